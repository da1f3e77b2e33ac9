// consumerConnection and producerConnection: the clients connected to a broker group. A client
// opens its telemetry stream to every node of its routes, so each node is asked and the answers
// are merged by client id (the freshest sighting wins).

import type { BrokerAdminClient, ClientView, ConnectionReply } from '../broker-admin.ts';
import { optionalString, required } from './command-args.ts';
import { emit, type Command, type CommandIo } from './command.ts';
import { nodeAdminTargets, settleOnEveryNode } from './cluster-view.ts';
import { formatTable, formatTime } from './table.ts';
import { withAdmin } from './topic-commands.ts';

export interface ConnectionRow extends ClientView {
  readonly brokerName: string;
  /** Nodes the client is connected to (or was heard from). */
  readonly nodes: readonly string[];
}

export class NotOnlineError extends Error {
  override readonly name = 'NotOnlineError';
}

export const connectionHeaders = ['Id', 'ClientId', 'ClientAddr', 'Language', 'Version', 'ClientType', 'LastSeen', 'Nodes'];

export function connectionTable(rows: readonly ConnectionRow[]): string {
  return formatTable(connectionHeaders, rows.map((c, i) => [
    String(i + 1).padStart(3, '0'), c.clientId, c.address || '-', c.language || '-', c.version || '-', c.clientType || '-', formatTime(c.lastSeenMs), c.nodes.join(','),
  ]));
}

/** One row per client id and broker group, newest sighting first among duplicates. */
export function mergeConnections(replies: ReadonlyArray<{ nodeId: string; reply: ConnectionReply }>): ConnectionRow[] {
  const byId = new Map<string, { view: ClientView; brokerName: string; nodes: string[] }>();
  for (const { nodeId, reply } of replies) {
    for (const c of reply.clients) {
      const key = `${reply.brokerName}\u0000${c.clientId}`;
      const seen = byId.get(key);
      const node = nodeId || reply.nodeId;
      if (seen === undefined) byId.set(key, { view: c, brokerName: reply.brokerName, nodes: [node] });
      else {
        seen.nodes.push(node);
        // Keep the address and settings of the freshest sighting that has them.
        if (c.lastSeenMs > seen.view.lastSeenMs && (c.address !== '' || seen.view.address === '')) seen.view = c;
      }
    }
  }
  return [...byId.values()]
    .map(({ view, brokerName, nodes }) => ({ ...view, brokerName, nodes: nodes.sort() }))
    .sort((a, b) => a.brokerName.localeCompare(b.brokerName) || a.firstSeenMs - b.firstSeenMs || a.clientId.localeCompare(b.clientId));
}

async function connections(io: CommandIo, broker: string | undefined, cluster: string | undefined, ask: (c: BrokerAdminClient) => Promise<ConnectionReply>): Promise<ConnectionRow[]> {
  const targets = await nodeAdminTargets(io.namesrv, broker, cluster, io.timeoutMs);
  const { values, failures } = await settleOnEveryNode(targets, (admin) => withAdmin(admin, io.timeoutMs, ask));
  for (const f of failures) io.warn(`ledgermq: (left out) ${f}\n`);
  if (values.length === 0) throw new Error(`no node answered: ${failures.join('; ')}`);
  return mergeConnections(values.map((v) => ({ nodeId: v.target.nodeId, reply: v.value })));
}

export function subscriptionTable(rows: readonly ConnectionRow[]): string {
  const subs = new Map<string, string>();
  for (const c of rows) for (const s of c.subscriptions) subs.set(`${s.topic}\u0000${s.expression}`, s.expressionType);
  return formatTable(['Topic', 'SubExpression', 'ExpressionType'], [...subs].sort(([a], [b]) => a.localeCompare(b)).map(([k, type]) => [...k.split('\u0000'), type]));
}

export const consumerConnection: Command = {
  name: 'consumerConnection',
  summary: 'the consumers of a group connected to the broker nodes: client id, address, language, version, subscriptions',
  usage: '-g group [-b broker] [-c cluster]',
  options: { consumerGroup: { type: 'string', short: 'g' }, brokerAddr: { type: 'string', short: 'b' }, clusterName: { type: 'string', short: 'c' } },
  async run(values, io) {
    const group = required(values, 'consumerGroup', '-g group', 'consumerConnection');
    const rows = await connections(io, optionalString(values, 'brokerAddr'), optionalString(values, 'clusterName'), (c) => c.consumerConnection(group));
    if (rows.length === 0) throw new NotOnlineError(`consumer group ${group} has no consumer connected (clients heartbeat every 10 s; silent ones are forgotten after 120 s)`);
    const types = [...new Set(rows.map((r) => r.clientType))].sort();
    emit(io, rows, () => `${connectionTable(rows)}\nBelow is subscription:\n${subscriptionTable(rows)}\nConsumeType: CONSUME_POP (${types.join(', ')})\nMessageModel: CLUSTERING\n`);
    return 0;
  },
};

export const producerConnection: Command = {
  name: 'producerConnection',
  summary: 'the producers of a topic connected to the broker nodes (RocketMQ 5 producers have no group: -g is accepted and not used)',
  usage: '-t topic [-g producerGroup] [-b broker] [-c cluster]',
  options: { topic: { type: 'string', short: 't' }, producerGroup: { type: 'string', short: 'g' }, brokerAddr: { type: 'string', short: 'b' }, clusterName: { type: 'string', short: 'c' } },
  async run(values, io) {
    const topic = required(values, 'topic', '-t topic', 'producerConnection');
    const rows = await connections(io, optionalString(values, 'brokerAddr'), optionalString(values, 'clusterName'), (c) => c.producerConnection(topic));
    if (rows.length === 0) throw new NotOnlineError(`no producer of topic ${topic} is connected`);
    emit(io, rows, () => connectionTable(rows));
    return 0;
  },
};
