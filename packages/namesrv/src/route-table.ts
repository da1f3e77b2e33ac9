// The NameServer's state: which broker nodes are alive, what role they have and which topics
// their groups serve. Pure logic: no I/O, no timers, no clock — every call takes `nowMs`
// (any monotonic milliseconds), so expiry is tested without sleeping.
//
// Rules:
//  - a registration replaces everything known about its node (cluster, broker name, node id);
//  - a node is live while `nowMs - lastHeardMs <= expireMs`; answers leave out nodes that are
//    not live even before `scan` removes them;
//  - with incarnations, a registration older (lower sequence) than the applied one of the same
//    incarnation is ignored; a new incarnation (a restarted process) always replaces;
//  - a group's leader is its live LEADER with the highest Raft term (a stale leader of an older
//    term, not yet stepped down, is shown as a follower); the route marks it broker id 0;
//  - a group's topics are what its leader registered (without a leader, the live node with the
//    highest term, then the most recent).

import type {
  BrokerGroupInfo,
  BrokerGroupRoute,
  BrokerRegistration,
  ClusterInfo,
  NodeKey,
  NodeRoute,
  RegisterResult,
  TopicConfig,
  TopicRoute,
} from '@ledgermq/protocol';
import { assert } from './assert.ts';
import { BrokerIdConflictError, ClusterMismatchError } from './errors.ts';

interface NodeEntry {
  readonly reg: BrokerRegistration;
  readonly topics: ReadonlyMap<string, TopicConfig>;
  lastHeardMs: number;
}

interface GroupEntry {
  readonly brokerName: string;
  readonly nodes: Map<string, NodeEntry>;
}

export interface RegisterOutcome extends RegisterResult {
  /** The node was not live before this registration. */
  readonly firstSeen: boolean;
  /** Role, term or endpoint differ from the previous registration. */
  readonly changed: boolean;
  /** The group's leader differs from before this registration. */
  readonly leaderChanged: boolean;
}

export interface ExpiredNode {
  readonly clusterName: string;
  readonly brokerName: string;
  readonly nodeId: string;
  readonly silentMs: number;
}

export interface RouteTableOptions {
  readonly expireMs: number;
}

export class RouteTable {
  private readonly groups = new Map<string, GroupEntry>();
  private readonly expireMs: number;
  private lastNowMs = -Infinity;

  constructor(options: RouteTableOptions) {
    assert(Number.isFinite(options.expireMs) && options.expireMs > 0, `expireMs ${options.expireMs}`);
    this.expireMs = options.expireMs;
  }

  register(reg: BrokerRegistration, nowMs: number): RegisterOutcome {
    this.observe(nowMs);
    const group = this.groups.get(reg.brokerName);
    const leaderBefore = group ? this.leaderOf(group, nowMs) : null;
    const previous = group?.nodes.get(reg.nodeId);
    const previousLive = previous !== undefined && this.isLive(previous, nowMs);

    if (previousLive && isStale(previous.reg, reg)) {
      return { ...this.summary(group!, nowMs), expireMs: this.expireMs, applied: false, firstSeen: false, changed: false, leaderChanged: false };
    }
    if (group) {
      for (const other of group.nodes.values()) {
        if (other.reg.nodeId === reg.nodeId || !this.isLive(other, nowMs)) continue;
        if (other.reg.clusterName !== reg.clusterName) {
          throw new ClusterMismatchError(
            `broker group ${reg.brokerName} belongs to cluster ${other.reg.clusterName} (node ${other.reg.nodeId}), ` +
              `node ${reg.nodeId} registered it under ${reg.clusterName}`,
          );
        }
        if (other.reg.brokerId === reg.brokerId) {
          throw new BrokerIdConflictError(
            `broker id ${reg.brokerId} of group ${reg.brokerName} is taken by node ${other.reg.nodeId}, ` + `node ${reg.nodeId} cannot use it`,
          );
        }
      }
    }
    const target = group ?? { brokerName: reg.brokerName, nodes: new Map<string, NodeEntry>() };
    if (!group) this.groups.set(reg.brokerName, target);
    target.nodes.set(reg.nodeId, { reg, topics: new Map(reg.topics.map((t) => [t.name, t])), lastHeardMs: nowMs });

    const leaderAfter = this.leaderOf(target, nowMs);
    const changed =
      !previousLive ||
      previous.reg.role !== reg.role ||
      previous.reg.raftTerm !== reg.raftTerm ||
      previous.reg.v2Endpoint.host !== reg.v2Endpoint.host ||
      previous.reg.v2Endpoint.port !== reg.v2Endpoint.port;
    return {
      ...this.summary(target, nowMs),
      expireMs: this.expireMs,
      applied: true,
      firstSeen: !previousLive,
      changed,
      leaderChanged: (leaderBefore?.reg.nodeId ?? '') !== (leaderAfter?.reg.nodeId ?? ''),
    };
  }

  /** Removes a node at once. False when it was not registered (or is another incarnation). */
  unregister(key: NodeKey, nowMs: number): boolean {
    this.observe(nowMs);
    const group = this.groups.get(key.brokerName);
    const node = group?.nodes.get(key.nodeId);
    if (!group || !node || node.reg.clusterName !== key.clusterName) return false;
    if (key.incarnation && node.reg.incarnation !== key.incarnation) return false;
    group.nodes.delete(key.nodeId);
    if (group.nodes.size === 0) this.groups.delete(key.brokerName);
    return true;
  }

  /** Removes every node that is no longer live; returns them (for the log). */
  scan(nowMs: number): ExpiredNode[] {
    this.observe(nowMs);
    const expired: ExpiredNode[] = [];
    for (const [name, group] of this.groups) {
      for (const [nodeId, node] of group.nodes) {
        if (this.isLive(node, nowMs)) continue;
        group.nodes.delete(nodeId);
        expired.push({ clusterName: node.reg.clusterName, brokerName: name, nodeId, silentMs: nowMs - node.lastHeardMs });
      }
      if (group.nodes.size === 0) this.groups.delete(name);
    }
    return expired;
  }

  /** Every live group serving the topic, by broker name; null when there is none. */
  queryRoute(topic: string, nowMs: number): TopicRoute | null {
    this.observe(nowMs);
    const groups: BrokerGroupRoute[] = [];
    for (const group of this.sortedGroups()) {
      const live = this.liveNodes(group, nowMs);
      if (live.length === 0) continue;
      const leader = this.leaderOf(group, nowMs);
      const source = leader ?? topicSource(live);
      const config = source.topics.get(topic);
      if (config === undefined) continue;
      groups.push({
        clusterName: source.reg.clusterName,
        brokerName: group.brokerName,
        leaderNodeId: leader?.reg.nodeId ?? '',
        queues: {
          readQueueNums: config.readQueueNums,
          writeQueueNums: config.writeQueueNums,
          perm: config.perm,
          messageTypes: [...config.messageTypes],
        },
        nodes: live.map((n) => this.nodeRoute(n, leader, nowMs)),
      });
    }
    return groups.length === 0 ? null : { topic, groups };
  }

  /** Every cluster with its live groups, by name. */
  clusterInfo(nowMs: number): ClusterInfo[] {
    this.observe(nowMs);
    const clusters = new Map<string, BrokerGroupInfo[]>();
    for (const group of this.sortedGroups()) {
      const live = this.liveNodes(group, nowMs, true);
      if (live.length === 0) continue;
      const leader = this.leaderOf(group, nowMs);
      const source = leader ?? topicSource(live);
      const list = clusters.get(source.reg.clusterName) ?? [];
      list.push({
        brokerName: group.brokerName,
        leaderNodeId: leader?.reg.nodeId ?? '',
        nodes: live.map((n) => this.nodeRoute(n, leader, nowMs)),
        topicCount: source.topics.size,
      });
      clusters.set(source.reg.clusterName, list);
    }
    return [...clusters.entries()].sort(([a], [b]) => compare(a, b)).map(([clusterName, groups]) => ({ clusterName, groups }));
  }

  /** Names of every topic some live group serves, sorted. */
  topics(nowMs: number): string[] {
    this.observe(nowMs);
    const names = new Set<string>();
    for (const group of this.groups.values()) {
      const live = this.liveNodes(group, nowMs);
      if (live.length === 0) continue;
      const source = this.leaderOf(group, nowMs) ?? topicSource(live);
      for (const name of source.topics.keys()) names.add(name);
    }
    return [...names].sort(compare);
  }

  /** Registered nodes, live or not yet scanned. */
  get nodeCount(): number {
    let n = 0;
    for (const g of this.groups.values()) n += g.nodes.size;
    return n;
  }

  private observe(nowMs: number): void {
    assert(Number.isFinite(nowMs), `nowMs ${nowMs}`);
    // A monotonic clock is expected; tolerate equal readings, refuse going back.
    assert(nowMs >= this.lastNowMs, `clock went back from ${this.lastNowMs} to ${nowMs}`);
    this.lastNowMs = nowMs;
  }

  private isLive(node: NodeEntry, nowMs: number): boolean {
    return nowMs - node.lastHeardMs <= this.expireMs;
  }

  /**
   * Nodes heard from within the expiry, less those the group's leader says it cannot reach and,
   * unless `nonVoters`, those that are not voters of its configuration (removed, yet still
   * running and registering: routes leave them out, the cluster view shows them).
   */
  private liveNodes(group: GroupEntry, nowMs: number, nonVoters = false): NodeEntry[] {
    const leader = this.leaderOf(group, nowMs);
    const unreachable = new Set(leader?.reg.unreachableNodeIds ?? []);
    const voters = new Set(nonVoters ? [] : (leader?.reg.voterIds ?? []));
    return [...group.nodes.values()]
      .filter((n) => this.isLive(n, nowMs) && !unreachable.has(n.reg.nodeId) && (voters.size === 0 || voters.has(n.reg.nodeId)))
      .sort((a, b) => compare(a.reg.nodeId, b.reg.nodeId));
  }

  private leaderOf(group: GroupEntry, nowMs: number): NodeEntry | null {
    let best: NodeEntry | null = null;
    for (const n of group.nodes.values()) {
      if (n.reg.role !== 'LEADER' || !this.isLive(n, nowMs)) continue;
      if (best === null || newer(n, best)) best = n;
    }
    return best;
  }

  private summary(group: GroupEntry, nowMs: number): Omit<RegisterResult, 'expireMs' | 'applied'> {
    return { leaderNodeId: this.leaderOf(group, nowMs)?.reg.nodeId ?? '', liveNodes: this.liveNodes(group, nowMs).length };
  }

  private nodeRoute(n: NodeEntry, leader: NodeEntry | null, nowMs: number): NodeRoute {
    const isLeader = n === leader;
    return {
      nodeId: n.reg.nodeId,
      brokerId: isLeader ? 0 : n.reg.brokerId,
      role: isLeader ? 'LEADER' : n.reg.role === 'LEADER' ? 'FOLLOWER' : n.reg.role,
      raftTerm: n.reg.raftTerm,
      v2Endpoint: { host: n.reg.v2Endpoint.host, port: n.reg.v2Endpoint.port },
      adminAddress: n.reg.adminAddress,
      ageMs: nowMs - n.lastHeardMs,
    };
  }

  private sortedGroups(): GroupEntry[] {
    return [...this.groups.values()].sort((a, b) => compare(a.brokerName, b.brokerName));
  }
}

/** Is `next` an older registration of the same incarnation than `applied`? */
function isStale(applied: BrokerRegistration, next: BrokerRegistration): boolean {
  return next.incarnation !== '' && next.incarnation === applied.incarnation && next.sequence < applied.sequence;
}

/** Higher term wins; then the more recent registration; then the smaller node id. */
function newer(a: NodeEntry, b: NodeEntry): boolean {
  if (a.reg.raftTerm !== b.reg.raftTerm) return a.reg.raftTerm > b.reg.raftTerm;
  if (a.lastHeardMs !== b.lastHeardMs) return a.lastHeardMs > b.lastHeardMs;
  return compare(a.reg.nodeId, b.reg.nodeId) < 0;
}

function topicSource(live: NodeEntry[]): NodeEntry {
  assert(live.length > 0, 'topic source of an empty group');
  let best = live[0]!;
  for (const n of live) if (newer(n, best)) best = n;
  return best;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
