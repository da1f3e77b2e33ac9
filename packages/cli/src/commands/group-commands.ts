// updateSubGroup, deleteSubGroup, consumerProgress, resetOffsetByTime.

import type { ConsumerProgressReply, ResetOffsetReply } from '../broker-admin.ts';
import { boolFlag, intFlag, optionalString, parseTimestamp, required } from './command-args.ts';
import { emit, type Command } from './command.ts';
import { adminTargets, requireBrokerOrCluster } from './cluster-view.ts';
import { formatTable, formatTime } from './table.ts';
import { withAdmin } from './topic-commands.ts';

export const updateSubGroup: Command = {
  name: 'updateSubGroup',
  summary: 'creates or updates a subscription (consumer) group',
  usage: '-g group (-b broker | -c cluster) [-r retryMaxTimes] [-o consumeOrderly true|false] [-s consumeEnable true|false]',
  options: {
    groupName: { type: 'string', short: 'g' }, brokerAddr: { type: 'string', short: 'b' }, clusterName: { type: 'string', short: 'c' },
    retryMaxTimes: { type: 'string', short: 'r' }, consumeOrderly: { type: 'string', short: 'o' }, consumeEnable: { type: 'string', short: 's' },
  },
  async run(values, io) {
    const group = required(values, 'groupName', '-g group', 'updateSubGroup');
    const broker = optionalString(values, 'brokerAddr');
    const cluster = optionalString(values, 'clusterName');
    requireBrokerOrCluster(broker, cluster, 'updateSubGroup');
    const req = {
      group,
      retryMaxTimes: intFlag(values, 'retryMaxTimes', '-r', 0, 65_535),
      fifo: boolFlag(values, 'consumeOrderly', '-o'),
      consumeEnable: boolFlag(values, 'consumeEnable', '-s'),
    };
    const targets = await adminTargets(io.namesrv, broker, cluster, io.timeoutMs);
    const replies = await Promise.all(targets.map((t) => withAdmin(t.admin, io.timeoutMs, (c) => c.updateSubGroup(req))));
    emit(io, replies, () => replies.map((r) => `update subscription group ${group} ${r.outcome === 'ok' ? 'success' : r.outcome} on ${r.brokerName}\n`).join(''));
    return 0;
  },
};

export const deleteSubGroup: Command = {
  name: 'deleteSubGroup',
  summary: 'deletes a subscription group',
  usage: '-g group (-b broker | -c cluster)',
  options: { groupName: { type: 'string', short: 'g' }, brokerAddr: { type: 'string', short: 'b' }, clusterName: { type: 'string', short: 'c' } },
  async run(values, io) {
    const group = required(values, 'groupName', '-g group', 'deleteSubGroup');
    const broker = optionalString(values, 'brokerAddr');
    const cluster = optionalString(values, 'clusterName');
    requireBrokerOrCluster(broker, cluster, 'deleteSubGroup');
    const targets = await adminTargets(io.namesrv, broker, cluster, io.timeoutMs);
    const replies = await Promise.all(targets.map((t) => withAdmin(t.admin, io.timeoutMs, (c) => c.deleteSubGroup(group))));
    emit(io, replies, () => replies.map((r) => `delete subscription group ${group} ${r.outcome === 'ok' ? 'success' : r.outcome} on ${r.brokerName}\n`).join(''));
    return 0;
  },
};

export const consumerProgressHeaders = ['Topic', 'Broker Name', 'QID', 'Broker Offset', 'Consumer Offset', 'Diff', 'LastTime'];

export function consumerProgressTable(replies: readonly ConsumerProgressReply[]): string {
  const rows = replies.flatMap((r) => r.queues).sort((a, b) => a.topic.localeCompare(b.topic) || a.brokerName.localeCompare(b.brokerName) || a.queueId - b.queueId);
  const tps = replies.reduce((n, r) => n + r.consumeTps, 0);
  const diff = replies.reduce((n, r) => n + r.diffTotal, 0);
  return formatTable(consumerProgressHeaders, rows.map((q) => [q.topic, q.brokerName, q.queueId, q.brokerOffset, q.consumerOffset, q.diff, formatTime(q.lastTimestampMs)]))
    + `\nConsume TPS: ${tps.toFixed(2)}\nConsume Diff Total: ${diff}\n`;
}

export const consumerProgress: Command = {
  name: 'consumerProgress',
  summary: "a consumer group's progress per topic and queue: broker offset, committed offset, diff",
  usage: '-g group [-t topic] [-b broker] [-c cluster]',
  options: { groupName: { type: 'string', short: 'g' }, topic: { type: 'string', short: 't' }, brokerAddr: { type: 'string', short: 'b' }, clusterName: { type: 'string', short: 'c' } },
  async run(values, io) {
    const group = required(values, 'groupName', '-g group', 'consumerProgress');
    const topic = optionalString(values, 'topic');
    const targets = await adminTargets(io.namesrv, optionalString(values, 'brokerAddr'), optionalString(values, 'clusterName'), io.timeoutMs);
    const replies = await Promise.all(targets.map((t) => withAdmin(t.admin, io.timeoutMs, (c) => c.consumerProgress(group, topic))));
    emit(io, replies, () => consumerProgressTable(replies));
    return 0;
  },
};

export function resetOffsetTable(replies: readonly ResetOffsetReply[]): string {
  return formatTable(['Topic', 'Broker Name', 'QID', 'Offset'], replies.flatMap((r) => r.queues.map((q) => [r.topic, r.brokerName, q.queueId, q.offset])));
}

export const resetOffsetByTime: Command = {
  name: 'resetOffsetByTime',
  summary: "moves a group's committed offsets on a topic to the first message stored at or after a time",
  usage: '-g group -t topic -s timestamp(ms|now|yyyy-MM-dd#HH:mm:ss:SSS) [-b broker] [-c cluster]',
  options: {
    groupName: { type: 'string', short: 'g' }, topic: { type: 'string', short: 't' }, timestamp: { type: 'string', short: 's' },
    brokerAddr: { type: 'string', short: 'b' }, clusterName: { type: 'string', short: 'c' },
  },
  async run(values, io) {
    const group = required(values, 'groupName', '-g group', 'resetOffsetByTime');
    const topic = required(values, 'topic', '-t topic', 'resetOffsetByTime');
    const ts = parseTimestamp(required(values, 'timestamp', '-s timestamp', 'resetOffsetByTime'), '-s');
    const targets = await adminTargets(io.namesrv, optionalString(values, 'brokerAddr'), optionalString(values, 'clusterName'), io.timeoutMs);
    const replies = await Promise.all(targets.map((t) => withAdmin(t.admin, io.timeoutMs, (c) => c.resetOffsetByTime(group, topic, ts))));
    emit(io, replies, () => resetOffsetTable(replies));
    return 0;
  },
};
