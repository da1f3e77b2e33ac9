// A fresh LedgerMQ cluster (NameServer + one 3- or 5-node broker group, real processes) with a
// fault-injecting TCP proxy on every directed peer link. LocalCluster plans the ports and writes
// the property files; this then rewrites each node's `dLegerPeers` so that node a reaches node b
// through the proxy of link a->b (its own entry stays its real peer port: it listens there).
// Raft traffic and the broker's forwarding to the leader both ride the peer port, so a
// partition cuts both. Clients talk to the nodes' v2 ports directly, or, with `proxyClients`,
// through one proxy per node (client-proxies.ts) whose port the node advertises in its routes.

import { existsSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LocalCluster, renderProperties, type BrokerNodeHandle, type NodeStatus } from '@ledgermq/broker/local';
import { RealFileSystem, tearLogTail, type TornTail } from '@ledgermq/ledger';
import { clusterStartTimeoutMs, leaderWaitTimeoutMs, loopbackHost, raftElectionTicksDefault, raftTickMsDefault, segmentBytesCluster, topicQueueCount } from './constants.ts';
import { flipBitsInOldestSegment, type FlippedBits } from './disk-faults.ts';
import { ClusterStartError, FaultInjectionError } from './errors.ts';
import { ProxyMesh } from './tcp-proxy.ts';
import { ClientProxies } from './client-proxies.ts';
import type { PlantedBug } from './planted-bugs.ts';

export const brokerName = 'broker-a';

export interface JepsenClusterOptions {
  readonly dataDir: string;
  readonly nodes: 3 | 5;
  readonly random?: () => number;
  /** Clients reach each node through a proxy (`clients`) that faults can cut (partition-leader). */
  readonly proxyClients?: boolean;
  /** TEST ONLY: every node runs with this planted bug (testPlantedBug, in LEDGERMQ_TEST_MODE). */
  readonly plantedBug?: PlantedBug | null;
  /**
   * TEST ONLY `testVolatileWrites=true` on every node: writes not yet fsynced live in the node's
   * memory, so `kill` is a power loss for its log (the power-loss fault).
   */
  readonly volatileWrites?: boolean;
  /** TEST ONLY `testClockOffsetFile` on every node, so setClockOffset() moves its wall clock (clock-jump). */
  readonly clockControl?: boolean;
}

/** The file each node's wall-clock offset is read from (in its directory). */
const clockOffsetFileName = 'clock-offset-ms';

export class JepsenCluster {
  private readonly onExit = () => this.killSync();
  /** Clusters created and not closed yet (so a timed-out test can still kill their processes). */
  private static readonly open = new Set<JepsenCluster>();

  /** SIGKILL to every process of every cluster not closed yet (a test's afterAll after a timeout). */
  static killAllSync(): number {
    const n = JepsenCluster.open.size;
    for (const c of [...JepsenCluster.open]) c.killSync();
    return n;
  }

  private constructor(readonly local: LocalCluster, readonly mesh: ProxyMesh, readonly clients: ClientProxies | null, private readonly opts: JepsenClusterOptions) {
    // If the harness dies without close() (a test timeout), do not leave its processes behind.
    process.once('exit', this.onExit);
    JepsenCluster.open.add(this);
  }

  /** SIGKILL (and SIGCONT) to every process this cluster started, by PID. Synchronous. */
  killSync(): void {
    for (const h of [...this.local.brokers, ...this.local.namesrvs]) {
      const c = h.process;
      if (c === null || c.exitCode !== null || c.signalCode !== null) continue;
      try {
        c.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }

  static async create(opts: JepsenClusterOptions): Promise<JepsenCluster> {
    const local = await LocalCluster.create({
      dataDir: opts.dataDir,
      ports: 'auto',
      nodesPerGroup: opts.nodes,
      segmentBytes: segmentBytesCluster,
      tickMs: raftTickMsDefault,
      electionTicks: raftElectionTicksDefault,
      extraProps: {
        defaultTopicQueueNums: String(topicQueueCount),
        registerNameServerPeriod: '1000',
        ...(opts.plantedBug ? { testPlantedBug: opts.plantedBug } : {}),
        ...(opts.volatileWrites === true ? { testVolatileWrites: 'true' } : {}),
      },
      // The test-only keys are refused by a node unless it runs in test mode.
      ...(opts.plantedBug || opts.volatileWrites === true || opts.clockControl === true ? { env: { LEDGERMQ_TEST_MODE: '1' } } : {}),
    });
    const nodes = local.group(brokerName);
    const peerPorts = new Map(nodes.map((n) => [n.plan.selfId, n.plan.peerPort] as const));
    const mesh = await ProxyMesh.start(peerPorts, opts.random);
    const clients = opts.proxyClients === true ? await ClientProxies.start(new Map(nodes.map((n) => [n.plan.selfId, n.plan.v2Port] as const)), opts.random) : null;
    for (const n of nodes) {
      const self = n.plan.selfId;
      const peers = nodes.map((m) => `${m.plan.selfId}-${loopbackHost}:${m.plan.selfId === self ? m.plan.peerPort : mesh.port(self, m.plan.selfId)}`).join(';');
      const props: (readonly [string, string])[] = n.plan.properties.map(([k, v]) => [k, k === 'dLegerPeers' ? peers : v] as const);
      if (clients !== null) props.push(['advertisedListenPort', String(clients.port(self))]);
      if (opts.clockControl === true) props.push(['testClockOffsetFile', path.join(n.plan.dir, clockOffsetFileName)]);
      writeFileSync(n.plan.configFile, renderProperties(props, `${n.id}: written by jepsen-lite (peers through the fault proxy)`));
    }
    return new JepsenCluster(local, mesh, clients, opts);
  }

  /** selfIds: n0, n1, … */
  get nodeIds(): string[] {
    return this.nodes().map((n) => n.plan.selfId);
  }

  nodes(): BrokerNodeHandle[] {
    return this.local.group(brokerName);
  }

  node(selfId: string): BrokerNodeHandle {
    return this.local.broker(`${brokerName}/${selfId}`);
  }

  v2Endpoint(selfId: string): string {
    const n = this.node(selfId);
    return `${n.plan.host}:${this.clients === null ? n.plan.v2Port : this.clients.port(selfId)}`;
  }

  async start(): Promise<void> {
    this.local.startAll();
    try {
      await this.local.waitForNamesrvs(clusterStartTimeoutMs);
      await this.local.waitForLeader(brokerName, { timeoutMs: clusterStartTimeoutMs });
    } catch (err) {
      throw new ClusterStartError(`cluster did not start: ${(err as Error).message}`, { cause: err });
    }
  }

  /** The current leader's selfId, or null if none is known within `timeoutMs`. */
  async leader(timeoutMs = leaderWaitTimeoutMs): Promise<string | null> {
    try {
      const l = await this.local.waitForLeader(brokerName, { timeoutMs });
      return l.selfId;
    } catch {
      return null;
    }
  }

  async statuses(): Promise<Map<string, NodeStatus>> {
    return this.local.statuses(brokerName);
  }

  isRunning(selfId: string): boolean {
    return this.local.isRunning(`${brokerName}/${selfId}`);
  }

  isPaused(selfId: string): boolean {
    return this.node(selfId).paused;
  }

  async kill(selfId: string): Promise<void> {
    await this.local.kill(`${brokerName}/${selfId}`, 'SIGKILL');
  }

  startNode(selfId: string): void {
    if (!this.isRunning(selfId)) this.local.start(`${brokerName}/${selfId}`);
  }

  pause(selfId: string): void {
    if (this.isRunning(selfId) && !this.isPaused(selfId)) this.local.pause(`${brokerName}/${selfId}`);
  }

  resume(selfId: string): void {
    if (this.isRunning(selfId) && this.isPaused(selfId)) this.local.resume(`${brokerName}/${selfId}`);
  }

  /** kill -9 is a power loss for the nodes' logs (testVolatileWrites). */
  get volatileWrites(): boolean {
    return this.opts.volatileWrites === true;
  }

  /** setClockOffset() works (testClockOffsetFile). */
  get clockControl(): boolean {
    return this.opts.clockControl === true;
  }

  /** SIGTERM (a clean stop); resolves once the node has exited. */
  async stop(selfId: string): Promise<void> {
    await this.local.stop(`${brokerName}/${selfId}`);
  }

  /** Moves the node's wall clock by `offsetMs` (it polls the file); needs `clockControl`. */
  setClockOffset(selfId: string, offsetMs: number): void {
    if (!this.clockControl) throw new FaultInjectionError('setClockOffset needs a cluster created with clockControl');
    const file = path.join(this.node(selfId).plan.dir, clockOffsetFileName);
    writeFileSync(`${file}.tmp`, `${Math.round(offsetMs)}\n`);
    renameSync(`${file}.tmp`, file); // the node never reads half a number
  }

  /** The node's log directory (segments, index, hard state). */
  raftDir(selfId: string): string {
    return path.join(this.node(selfId).plan.dir, 'raft');
  }

  /** Appends a torn record to a STOPPED node's log (see tearLogTail); null when there was nothing to tear. */
  tearLogTail(selfId: string, random: () => number): TornTail | null {
    this.mustBeStopped(selfId, 'tear its log');
    return tearLogTail(new RealFileSystem(), { dir: this.raftDir(selfId), segmentBytes: segmentBytesCluster, random });
  }

  /** Flips bits in the committed start of a STOPPED node's oldest segment; null when it is too small. */
  corruptLog(selfId: string, random: () => number): FlippedBits | null {
    this.mustBeStopped(selfId, 'corrupt its log');
    return flipBitsInOldestSegment(path.join(this.raftDir(selfId), 'segments'), random);
  }

  /**
   * Repair of a STOPPED node whose log is damaged: its log and everything built from it (the
   * store) go; its hard state (term and vote: it must never vote twice in one term), the log's
   * meta and its peer book stay. Started again, it catches up from the leader.
   */
  discardLog(selfId: string): string[] {
    this.mustBeStopped(selfId, 'discard its log');
    const dir = this.node(selfId).plan.dir;
    const raft = this.raftDir(selfId);
    const keep = new Set(['hardstate', 'meta']);
    const removed: string[] = [];
    for (const name of existsSync(raft) ? readdirSync(raft) : []) {
      if (keep.has(name)) continue;
      rmSync(path.join(raft, name), { recursive: true, force: true });
      removed.push(`raft/${name}`);
    }
    if (existsSync(path.join(dir, 'store'))) {
      rmSync(path.join(dir, 'store'), { recursive: true, force: true });
      removed.push('store');
    }
    return removed;
  }

  private mustBeStopped(selfId: string, what: string): void {
    if (this.isRunning(selfId)) throw new FaultInjectionError(`${selfId} is running: stop it before you ${what}`);
  }

  /** Heals the network, resets moved clocks, resumes paused nodes, restarts dead ones. */
  healAll(): void {
    this.mesh.heal();
    if (this.clockControl) for (const id of this.nodeIds) this.setClockOffset(id, 0);
    this.clients?.heal();
    for (const id of this.nodeIds) {
      this.resume(id);
      this.startNode(id);
    }
  }

  /** kill -9 every node, then start them all again and wait for a leader. */
  async restartAll(): Promise<void> {
    for (const id of this.nodeIds) this.resume(id);
    await Promise.all(this.nodeIds.map((id) => this.kill(id)));
    for (const id of this.nodeIds) this.startNode(id);
    try {
      await this.local.waitForLeader(brokerName, { timeoutMs: clusterStartTimeoutMs });
    } catch (err) {
      throw new ClusterStartError(`no leader after the full restart: ${(err as Error).message}`, { cause: err });
    }
  }

  logFiles(): Record<string, string> {
    return Object.fromEntries([...this.local.namesrvs, ...this.local.brokers].map((h) => [h.id, h.logFile]));
  }

  async close(): Promise<void> {
    for (const id of this.nodeIds) this.resume(id);
    await this.local.close(2_000);
    await this.mesh.close();
    await this.clients?.close();
    process.off('exit', this.onExit);
    JepsenCluster.open.delete(this);
  }
}
