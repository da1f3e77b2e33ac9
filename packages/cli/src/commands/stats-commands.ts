// statsAll: per topic and consumer group, the backlog, the in / out rates over the last minute
// and the messages stored / delivered in the last 24 h. Each node counts what it did as leader,
// so the figures are summed over the group's nodes; the backlog is the leader's view.

import type { StatsAllReply } from '../broker-admin.ts';
import { optionalString } from './command-args.ts';
import { emit, type Command } from './command.ts';
import { nodeAdminTargets, settleOnEveryNode } from './cluster-view.ts';
import { formatTable } from './table.ts';
import { withAdmin } from './topic-commands.ts';

export interface StatsRow {
  readonly brokerName: string;
  readonly topic: string;
  /** '' for a topic no group consumes. */
  readonly group: string;
  readonly accumulation: number;
  readonly inTps: number;
  readonly outTps: number;
  readonly inMsg24Hour: number;
  readonly outMsg24Hour: number;
}

/** mqadmin's columns in mqadmin's order; the broker group last (mqadmin sums over brokers). */
export const statsAllHeaders = ['Topic', 'Consumer Group', 'Accumulation', 'InTPS', 'OutTPS', 'InMsg24Hour', 'OutMsg24Hour', 'Broker Name'];

export function statsAllTable(rows: readonly StatsRow[]): string {
  return formatTable(statsAllHeaders, rows.map((r) => [
    r.topic, r.group || '-', r.accumulation, r.inTps.toFixed(2), r.outTps.toFixed(2), r.inMsg24Hour, r.outMsg24Hour, r.brokerName,
  ]));
}

/** One broker group's rows from its nodes' replies. */
export function groupStats(replies: readonly StatsAllReply[]): StatsRow[] {
  if (replies.length === 0) return [];
  const brokerName = replies[0]!.brokerName;
  const backlogFrom = replies.find((r) => r.leader) ?? replies[0]!;
  const inOf = new Map<string, { inTps: number; inMsg24Hour: number }>();
  const outOf = new Map<string, { outTps: number; outMsg24Hour: number }>();
  const groupsOf = new Map<string, Set<string>>();
  const topics = new Set<string>();
  const addGroup = (topic: string, group: string) => {
    topics.add(topic);
    let s = groupsOf.get(topic);
    if (s === undefined) groupsOf.set(topic, (s = new Set()));
    s.add(group);
  };
  for (const r of replies) {
    for (const t of r.topics) topics.add(t);
    for (const p of r.puts) {
      topics.add(p.topic);
      const x = inOf.get(p.topic) ?? { inTps: 0, inMsg24Hour: 0 };
      inOf.set(p.topic, { inTps: x.inTps + p.inTps, inMsg24Hour: x.inMsg24Hour + p.inMsg24Hour });
    }
    for (const g of r.gets) {
      addGroup(g.topic, g.group);
      const key = `${g.topic}\u0000${g.group}`;
      const x = outOf.get(key) ?? { outTps: 0, outMsg24Hour: 0 };
      outOf.set(key, { outTps: x.outTps + g.outTps, outMsg24Hour: x.outMsg24Hour + g.outMsg24Hour });
    }
  }
  const backlog = new Map<string, number>();
  for (const b of backlogFrom.backlog) {
    addGroup(b.topic, b.group);
    backlog.set(`${b.topic}\u0000${b.group}`, b.accumulation);
  }
  const rows: StatsRow[] = [];
  for (const topic of [...topics].sort()) {
    const inStats = inOf.get(topic) ?? { inTps: 0, inMsg24Hour: 0 };
    const groups = [...(groupsOf.get(topic) ?? [])].sort();
    for (const group of groups.length > 0 ? groups : ['']) {
      const key = `${topic}\u0000${group}`;
      const out = outOf.get(key) ?? { outTps: 0, outMsg24Hour: 0 };
      rows.push({ brokerName, topic, group, accumulation: backlog.get(key) ?? 0, ...inStats, ...out });
    }
  }
  return rows;
}

export const statsAll: Command = {
  name: 'statsAll',
  summary: 'per topic and consumer group: backlog, in / out TPS (last minute), messages in / out in the last 24 h',
  usage: '[-t topic] [-a (active topics only)] [-b broker] [-c cluster]',
  options: { topic: { type: 'string', short: 't' }, activeTopic: { type: 'boolean', short: 'a' }, brokerAddr: { type: 'string', short: 'b' }, clusterName: { type: 'string', short: 'c' } },
  async run(values, io) {
    const topic = optionalString(values, 'topic');
    const targets = await nodeAdminTargets(io.namesrv, optionalString(values, 'brokerAddr'), optionalString(values, 'clusterName'), io.timeoutMs);
    const { values: got, failures } = await settleOnEveryNode(targets, (admin) => withAdmin(admin, io.timeoutMs, (c) => c.statsAll(topic)));
    for (const f of failures) io.warn(`ledgermq: (left out; its counts are missing) ${f}\n`);
    if (got.length === 0) throw new Error(`no node answered: ${failures.join('; ')}`);
    const byGroup = new Map<string, StatsAllReply[]>();
    for (const { value } of got) byGroup.set(value.brokerName, [...(byGroup.get(value.brokerName) ?? []), value]);
    let rows = [...byGroup.keys()].sort().flatMap((name) => groupStats(byGroup.get(name)!));
    if (values.activeTopic === true) rows = rows.filter((r) => r.inMsg24Hour > 0 || r.outMsg24Hour > 0);
    emit(io, rows, () => statsAllTable(rows));
    return 0;
  },
};
