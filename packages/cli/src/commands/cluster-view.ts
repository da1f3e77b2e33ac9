// Where the broker nodes are: the NameServer's cluster info, and the choice of node a command
// talks to (`-b` is a broker name or a node's admin host:port; `-c` a cluster name).

import { NamesrvClient } from '@ledgermq/namesrv';
import type { ClusterInfo, NodeRoute } from '@ledgermq/protocol';
import { UsageError } from '../usage-error.ts';

export interface NodeTarget {
  readonly clusterName: string;
  readonly brokerName: string;
  readonly node: NodeRoute;
  readonly leader: boolean;
}

export interface GroupTarget {
  readonly clusterName: string;
  readonly brokerName: string;
  readonly leaderNodeId: string;
  readonly nodes: readonly NodeRoute[];
}

export class NoBrokerError extends Error {
  override readonly name = 'NoBrokerError';
  readonly retriable: boolean;
  constructor(message: string, retriable = false) {
    super(message);
    this.retriable = retriable;
  }
}

export async function clusterInfo(namesrv: string, timeoutMs: number): Promise<ClusterInfo[]> {
  const c = new NamesrvClient(namesrv, { timeoutMs });
  try {
    return await c.clusterInfo();
  } finally {
    c.close();
  }
}

/** The broker groups a command addresses: `-b name`, `-c cluster`, or every group. */
export function selectGroups(clusters: readonly ClusterInfo[], broker: string | undefined, cluster: string | undefined): GroupTarget[] {
  const all = clusters.flatMap((c) => c.groups.map((g): GroupTarget => ({ clusterName: c.clusterName, brokerName: g.brokerName, leaderNodeId: g.leaderNodeId, nodes: g.nodes })));
  let out = all;
  if (cluster !== undefined) {
    out = out.filter((g) => g.clusterName === cluster);
    if (out.length === 0) throw new NoBrokerError(`no cluster ${cluster} at the NameServer (have ${[...new Set(all.map((g) => g.clusterName))].join(', ') || 'none'})`);
  }
  if (broker !== undefined && !isHostPort(broker)) {
    out = out.filter((g) => g.brokerName === broker);
    if (out.length === 0) throw new NoBrokerError(`no broker ${broker} at the NameServer (have ${all.map((g) => g.brokerName).join(', ') || 'none'})`);
  }
  if (out.length === 0) throw new NoBrokerError('the NameServer lists no broker group', true);
  return out;
}

/** The node that takes writes: the group's leader, else (during an election) its first node. */
export function leaderNode(g: GroupTarget): NodeRoute {
  const n = g.nodes.find((x) => x.nodeId === g.leaderNodeId) ?? g.nodes.find((x) => x.brokerId === 0) ?? g.nodes[0];
  if (n === undefined) throw new NoBrokerError(`broker ${g.brokerName} has no live node`, true);
  return n;
}

export function isHostPort(s: string): boolean {
  return /^[^\s:]+:\d{1,5}$/.test(s);
}

/**
 * The admin endpoints to ask: `-b host:port` names one directly (no NameServer needed),
 * otherwise each selected group's leader.
 */
export async function adminTargets(namesrv: string, broker: string | undefined, cluster: string | undefined, timeoutMs: number): Promise<Array<{ brokerName: string; admin: string }>> {
  if (broker !== undefined && isHostPort(broker)) return [{ brokerName: broker, admin: broker }];
  const groups = selectGroups(await clusterInfo(namesrv, timeoutMs), broker, cluster);
  return groups.map((g) => ({ brokerName: g.brokerName, admin: leaderNode(g).adminAddress }));
}

export function requireBrokerOrCluster(broker: string | undefined, cluster: string | undefined, command: string): void {
  if (broker === undefined && cluster === undefined) throw new UsageError(`${command} needs -b broker or -c cluster`);
}

/**
 * Every node of the selected groups (`-b host:port`: that node only). For what each node keeps
 * for itself: its config, the clients connected to it, what it counted while it led.
 */
export async function nodeAdminTargets(namesrv: string, broker: string | undefined, cluster: string | undefined, timeoutMs: number): Promise<AdminTarget[]> {
  if (broker !== undefined && isHostPort(broker)) return [{ brokerName: broker, nodeId: '', admin: broker }];
  const groups = selectGroups(await clusterInfo(namesrv, timeoutMs), broker, cluster);
  return groups.flatMap((g) => g.nodes.map((n) => ({ brokerName: g.brokerName, nodeId: n.nodeId, admin: n.adminAddress })));
}

export type AdminTarget = { readonly brokerName: string; readonly nodeId: string; readonly admin: string };

/** Runs `fn` on every target at once: what answered, and one line per node that did not. */
export async function settleOnEveryNode<T>(targets: readonly AdminTarget[], fn: (admin: string) => Promise<T>): Promise<{ values: Array<{ target: AdminTarget; value: T }>; failures: string[] }> {
  const settled = await Promise.allSettled(targets.map((t) => fn(t.admin)));
  const values: Array<{ target: AdminTarget; value: T }> = [];
  const failures: string[] = [];
  settled.forEach((r, i) => {
    const t = targets[i]!;
    if (r.status === 'fulfilled') values.push({ target: t, value: r.value });
    else failures.push(`${t.brokerName} ${t.nodeId || t.admin}: ${(r.reason as Error).message}`);
  });
  return { values, failures };
}
