// A fresh LedgerMQ cluster (NameServer + one 3- or 5-node broker group, real processes) on a
// network that faults can cut (network/): either every node in a network namespace of its own
// (nftables drops packets), or every node on loopback with a fault-injecting TCP proxy on every
// directed peer link (node a's `dLegerPeers` name the proxies of its links a->b). Raft traffic
// and the broker's forwarding to the leader both ride the peer port, so a partition cuts both.
// Clients talk to the nodes' v2 ports directly, or, with `proxyClients` (proxy network only),
// through one proxy per node whose port the node advertises in its routes.

import { existsSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LocalCluster, renderProperties, type BrokerNodeHandle, type NodeStatus } from '@ledgermq/broker/local';
import { RealFileSystem, tearLogTail, type TornTail } from '@ledgermq/ledger';
import { testStallFile } from '@ledgermq/raft-node';
import { clusterStartTimeoutMs, leaderWaitTimeoutMs, raftElectionTicksDefault, raftTickMsDefault, segmentBytesCluster, topicQueueCount } from './constants.ts';
import { flipBitsInOldestSegment, type FlippedBits } from './disk-faults.ts';
import { ClusterStartError, FaultInjectionError } from './errors.ts';
import { NetnsNetwork, NetnsTopology, ProxyNetwork, type ClusterNetwork, type NetworkChoice } from './network/index.ts';
import type { PlantedBug } from './planted-bugs.ts';

export const brokerName = 'broker-a';

export interface JepsenClusterOptions {
  readonly dataDir: string;
  readonly nodes: 3 | 5;
  readonly random?: () => number;
  /** Which network carries the traffic (network/choose-network.ts); default: the proxy network. */
  readonly network?: NetworkChoice;
  /** Clients reach each node through a proxy that faults can cut (partition-leader); proxy network only. */
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
  /** TEST ONLY: nodes in test mode, so stallMainThread() works (stall-leader). */
  readonly stallControl?: boolean;
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

  private constructor(readonly local: LocalCluster, readonly net: ClusterNetwork, readonly networkChoice: NetworkChoice, private readonly opts: JepsenClusterOptions) {
    // If the harness dies without close() (a test timeout), do not leave its processes behind.
    process.once('exit', this.onExit);
    JepsenCluster.open.add(this);
  }

  /** SIGKILL (and SIGCONT) to every process this cluster started, by PID, then the network goes. Synchronous. */
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
    this.net.closeSync();
  }

  static async create(opts: JepsenClusterOptions): Promise<JepsenCluster> {
    const choice: NetworkChoice = opts.network ?? { kind: 'proxy', reason: 'the default of JepsenCluster.create' };
    if (choice.kind === 'netns' && opts.proxyClients === true) throw new FaultInjectionError('client proxies need the proxy network');
    const selfIds = Array.from({ length: opts.nodes }, (_, i) => `n${i}`);
    const topology = choice.kind === 'netns' ? await NetnsTopology.create(selfIds) : null;
    try {
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
        ...(opts.plantedBug || opts.volatileWrites === true || opts.clockControl === true || opts.stallControl === true ? { env: { LEDGERMQ_TEST_MODE: '1' } } : {}),
        ...(topology === null
          ? {}
          : {
              hosts: { namesrv: topology.hostAddress, node: (_g: number, i: number) => topology.addressOf(selfIds[i]!) },
              launchPrefix: (id: string) => (id.startsWith(`${brokerName}/`) ? topology.launchPrefix(id.slice(brokerName.length + 1)) : []),
            }),
      });
      const nodes = local.group(brokerName);
      const net: ClusterNetwork =
        topology !== null
          ? new NetnsNetwork(topology)
          : await ProxyNetwork.start(
              new Map(nodes.map((n) => [n.plan.selfId, n.plan.peerPort] as const)),
              new Map(nodes.map((n) => [n.plan.selfId, n.plan.v2Port] as const)),
              opts.proxyClients === true,
              opts.random,
            );
      for (const n of nodes) {
        const props = net.nodeProperties(n.plan.selfId, n.plan.properties);
        if (opts.clockControl === true) props.push(['testClockOffsetFile', path.join(n.plan.dir, clockOffsetFileName)]);
        writeFileSync(n.plan.configFile, renderProperties(props, `${n.id}: written by jepsen-lite (${net.kind} network)`));
      }
      return new JepsenCluster(local, net, choice, opts);
    } catch (err) {
      topology?.destroySync();
      throw err;
    }
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
    return this.net.clientEndpoint(selfId, n.plan.host, n.plan.v2Port);
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

  /**
   * Blocks the node's main thread for `ms` (its test-mode SIGUSR2 hook); its other threads, the
   * leader beacon's, go on. Needs `stallControl`. Returns at once: the stall ends by itself.
   */
  stallMainThread(selfId: string, ms: number): void {
    if (this.opts.stallControl !== true) throw new FaultInjectionError('stallMainThread needs a cluster created with stallControl');
    const node = this.node(selfId);
    writeFileSync(path.join(node.plan.dir, testStallFile), `${Math.round(ms)}\n`);
    const pid = this.local.pid(`${brokerName}/${selfId}`);
    if (pid === undefined || !this.isRunning(selfId)) return;
    process.kill(pid, 'SIGUSR2');
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
  async healAll(): Promise<void> {
    await this.net.heal();
    if (this.clockControl) for (const id of this.nodeIds) this.setClockOffset(id, 0);
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
    await this.net.close();
    process.off('exit', this.onExit);
    JepsenCluster.open.delete(this);
  }
}
