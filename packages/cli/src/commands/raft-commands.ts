// raftStatus, transferLeader and raftMembership: the Raft views and moves RocketMQ lacks, through
// each node's RaftAdmin.

import { AdminClient } from '@ledgermq/raft-node';
import { UsageError } from '../usage-error.ts';
import { optionalString, required } from './command-args.ts';
import { emit, type Command } from './command.ts';
import { clusterInfo, isHostPort, leaderNode, selectGroups, type GroupTarget } from './cluster-view.ts';
import { formatTable, formatTime } from './table.ts';

export interface RaftStatusRow {
  readonly brokerName: string;
  readonly nodeId: string;
  readonly admin: string;
  readonly role: string;
  readonly term: number;
  readonly leader: string;
  readonly commit: number;
  readonly applied: number;
  readonly lastIndex: number;
  /** As the leader sees this node (null on the leader itself, or when unknown). */
  readonly match: number | null;
  readonly lag: number | null;
  readonly lastElectionMs: number | null;
  readonly error: string;
}

export const raftStatusHeaders = ['Broker Name', 'Node', 'Role', 'Term', 'Leader', 'Commit', 'Applied', 'Last Index', 'Match', 'Lag', 'Last Election', 'Admin'];

export function raftStatusTable(rows: readonly RaftStatusRow[]): string {
  return formatTable(raftStatusHeaders, rows.map((r) => r.error !== ''
    ? [r.brokerName, r.nodeId, `(${r.error})`, '', '', '', '', '', '', '', '', r.admin]
    : [r.brokerName, r.nodeId, r.role.toUpperCase(), r.term, r.leader || '-', r.commit, r.applied, r.lastIndex, r.match ?? '-', r.lag ?? '-', formatTime(r.lastElectionMs ?? 0), r.admin]));
}

interface RaftStatusJson {
  id: string; role: string; term: number; leader: string | null; commit: number; applied: number; lastIndex: number;
  lastElectionMs: number | null; progress: Record<string, { match: number }>; conf?: { voters: string[] };
}

async function statusOf(admin: string, timeoutMs: number): Promise<RaftStatusJson> {
  const c = new AdminClient(admin);
  try {
    return (await c.status(timeoutMs)) as RaftStatusJson;
  } finally {
    c.close();
  }
}

export async function groupRaftStatus(g: GroupTarget, timeoutMs: number): Promise<RaftStatusRow[]> {
  const got = await Promise.all(g.nodes.map(async (n) => {
    try {
      return { n, s: await statusOf(n.adminAddress, timeoutMs), error: '' };
    } catch (err) {
      return { n, s: null, error: ((err as { details?: string }).details || (err as Error).message).replace(/\s+/g, ' ') };
    }
  }));
  const leader = got.find((x) => x.s?.role === 'leader')?.s ?? null;
  return got.map(({ n, s, error }): RaftStatusRow => {
    const match = s !== null && leader !== null && s.id !== leader.id ? leader.progress[s.id]?.match ?? null : null;
    return {
      brokerName: g.brokerName, nodeId: n.nodeId, admin: n.adminAddress, role: s?.role ?? '', term: s?.term ?? 0, leader: s?.leader ?? '',
      commit: s?.commit ?? 0, applied: s?.applied ?? 0, lastIndex: s?.lastIndex ?? 0,
      match, lag: match === null || leader === null ? null : Math.max(0, leader.lastIndex - match), lastElectionMs: s?.lastElectionMs ?? null, error,
    };
  }).sort((a, b) => a.nodeId.localeCompare(b.nodeId));
}

export const raftStatus: Command = {
  name: 'raftStatus',
  summary: 'per node: role, term, leader, commit / applied / last index, follower match and lag, last election',
  usage: '[-b broker] [-c cluster]',
  options: { brokerAddr: { type: 'string', short: 'b' }, clusterName: { type: 'string', short: 'c' } },
  async run(values, io) {
    const groups = selectGroups(await clusterInfo(io.namesrv, io.timeoutMs), optionalString(values, 'brokerAddr'), optionalString(values, 'clusterName'));
    const rows = (await Promise.all(groups.map((g) => groupRaftStatus(g, io.timeoutMs)))).flat();
    emit(io, rows, () => raftStatusTable(rows));
    return 0;
  },
};

export const transferLeaderWaitMsDefault = 10_000;
const pollMs = 100;

export const transferLeader: Command = {
  name: 'transferLeader',
  summary: "moves a broker group's leadership to one of its nodes and waits until it leads",
  usage: '-b broker -i nodeId',
  options: { brokerAddr: { type: 'string', short: 'b' }, nodeId: { type: 'string', short: 'i' } },
  async run(values, io) {
    const broker = required(values, 'brokerAddr', '-b broker', 'transferLeader');
    const to = required(values, 'nodeId', '-i nodeId', 'transferLeader');
    if (isHostPort(broker)) throw new UsageError('transferLeader -b takes a broker name (broker-a), not an address');
    const [g] = selectGroups(await clusterInfo(io.namesrv, io.timeoutMs), broker, undefined);
    if (!g!.nodes.some((n) => n.nodeId === to)) throw new UsageError(`broker ${broker} has no node ${to} (have ${g!.nodes.map((n) => n.nodeId).join(', ')})`);
    const before = (await groupRaftStatus(g!, io.timeoutMs)).find((r) => r.role === 'leader');
    const from = before?.nodeId ?? leaderNode(g!).nodeId;
    if (from === to) {
      emit(io, { brokerName: broker, from, to, term: before?.term ?? 0, moved: false }, () => `${broker}: ${to} already leads (term ${before?.term ?? '?'})\n`);
      return 0;
    }
    const admin = g!.nodes.find((n) => n.nodeId === from)!.adminAddress;
    const c = new AdminClient(admin);
    try {
      await c.transferLeader(to, io.timeoutMs);
    } finally {
      c.close();
    }
    const target = g!.nodes.find((n) => n.nodeId === to)!.adminAddress;
    const deadline = Date.now() + transferLeaderWaitMsDefault;
    for (;;) {
      const s = await statusOf(target, io.timeoutMs).catch(() => null);
      if (s?.role === 'leader') {
        emit(io, { brokerName: broker, from, to, term: s.term, moved: true }, () => `${broker}: leadership moved from ${from} to ${to} (term ${s.term})\n`);
        return 0;
      }
      if (Date.now() >= deadline) throw new Error(`${broker}: ${to} did not become leader within ${transferLeaderWaitMsDefault} ms (it may be behind; see raftStatus)`);
      await new Promise((r) => setTimeout(r, pollMs));
    }
  },
};

/** How long raftMembership waits for the leader to commit the change. */
export const membershipWaitMsDefault = 15_000;

export const raftMembership: Command = {
  name: 'raftMembership',
  summary: "adds a node of a broker group to its Raft voters, or removes one, through the leader; waits until it commits",
  usage: '-b broker (--add nodeId | --remove nodeId)',
  options: { brokerAddr: { type: 'string', short: 'b' }, add: { type: 'string' }, remove: { type: 'string' } },
  async run(values, io) {
    const broker = required(values, 'brokerAddr', '-b broker', 'raftMembership');
    const add = optionalString(values, 'add');
    const remove = optionalString(values, 'remove');
    if ((add === undefined) === (remove === undefined)) throw new UsageError('raftMembership takes one of --add nodeId or --remove nodeId');
    if (isHostPort(broker)) throw new UsageError('raftMembership -b takes a broker name (broker-a), not an address');
    const node = (add ?? remove)!;
    const [g] = selectGroups(await clusterInfo(io.namesrv, io.timeoutMs), broker, undefined);
    // Only a node that runs with the group's configuration (and so registers) can be added: its
    // peer address is in every member's dLegerPeers. An unknown id would be a voter nobody reaches.
    if (add !== undefined && !g!.nodes.some((n) => n.nodeId === add)) throw new UsageError(`broker ${broker} has no running node ${add} (have ${g!.nodes.map((n) => n.nodeId).join(', ')})`);
    const leaderAdmin = g!.nodes.find((n) => n.nodeId === g!.leaderNodeId)?.adminAddress;
    if (leaderAdmin === undefined) throw new Error(`${broker} has no leader right now; retry`);
    const before = await statusOf(leaderAdmin, io.timeoutMs);
    const voters = before.conf?.voters ?? [];
    if (remove !== undefined && !voters.includes(remove)) throw new UsageError(`${remove} is not a voter of ${broker} (voters: ${voters.join(', ')})`);
    const result = (v: readonly string[], changed: boolean) => ({ brokerName: broker, action: add !== undefined ? 'add' : 'remove', node, voters: [...v].sort(), changed });
    if (add !== undefined && voters.includes(add)) {
      emit(io, result(voters, false), () => `${broker}: ${add} is already a voter (voters: ${voters.join(', ')})\n`);
      return 0;
    }
    const c = new AdminClient(leaderAdmin);
    try {
      await c.changeMembership(add !== undefined ? 'add' : 'remove', node, '', membershipWaitMsDefault);
    } catch (err) {
      throw new Error(`${broker}: ${(err as { details?: string }).details || (err as Error).message}`);
    } finally {
      c.close();
    }
    const after = (await statusOf(leaderAdmin, io.timeoutMs).catch(() => null))?.conf?.voters ?? voters.filter((v) => v !== remove).concat(add ?? []);
    emit(io, result(after, true), () => `${broker}: ${add !== undefined ? `added ${add} to` : `removed ${remove} from`} the voters (now ${[...after].sort().join(', ')})\n`);
    return 0;
  },
};
