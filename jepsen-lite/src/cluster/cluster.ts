// A fresh LedgerMQ cluster (NameServer + one 3- or 5-node broker group, real processes) with a
// fault-injecting TCP proxy on every directed peer link. LocalCluster plans the ports and writes
// the property files; this then rewrites each node's `dLegerPeers` so that node a reaches node b
// through the proxy of link a->b (its own entry stays its real peer port: it listens there).
// Raft traffic and the broker's forwarding to the leader both ride the peer port, so a
// partition cuts both. Clients talk to the nodes' v2 ports directly (see README: "Not yet").

import { writeFileSync } from 'node:fs';
import { LocalCluster, renderProperties, type BrokerNodeHandle, type NodeStatus } from '@ledgermq/broker/local';
import { clusterStartTimeoutMs, leaderWaitTimeoutMs, loopbackHost, raftElectionTicksDefault, raftTickMsDefault, topicQueueCount } from './constants.ts';
import { ClusterStartError } from './errors.ts';
import { ProxyMesh } from './tcp-proxy.ts';

export const brokerName = 'broker-a';

export interface JepsenClusterOptions {
  readonly dataDir: string;
  readonly nodes: 3 | 5;
  readonly random?: () => number;
}

export class JepsenCluster {
  private readonly onExit = () => this.killSync();

  private constructor(readonly local: LocalCluster, readonly mesh: ProxyMesh) {
    // If the harness dies without close() (a test timeout), do not leave its processes behind.
    process.once('exit', this.onExit);
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
      segmentBytes: 4 * 1024 * 1024,
      tickMs: raftTickMsDefault,
      electionTicks: raftElectionTicksDefault,
      extraProps: { defaultTopicQueueNums: String(topicQueueCount), registerNameServerPeriod: '1000' },
    });
    const nodes = local.group(brokerName);
    const peerPorts = new Map(nodes.map((n) => [n.plan.selfId, n.plan.peerPort] as const));
    const mesh = await ProxyMesh.start(peerPorts, opts.random);
    for (const n of nodes) {
      const self = n.plan.selfId;
      const peers = nodes.map((m) => `${m.plan.selfId}-${loopbackHost}:${m.plan.selfId === self ? m.plan.peerPort : mesh.port(self, m.plan.selfId)}`).join(';');
      const props = n.plan.properties.map(([k, v]) => [k, k === 'dLegerPeers' ? peers : v] as const);
      writeFileSync(n.plan.configFile, renderProperties(props, `${n.id}: written by jepsen-lite (peers through the fault proxy)`));
    }
    return new JepsenCluster(local, mesh);
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
    return `${n.plan.host}:${n.plan.v2Port}`;
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

  /** Heals the network, resumes paused nodes, restarts dead ones. */
  healAll(): void {
    this.mesh.heal();
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
    process.off('exit', this.onExit);
  }
}
