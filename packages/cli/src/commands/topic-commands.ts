// topicList, topicRoute, topicStatus, updateTopic, deleteTopic.

import { NamesrvClient } from '@ledgermq/namesrv';
import { BrokerAdminClient, type TopicStatusReply, type WriteReply } from '../broker-admin.ts';
import { intFlag, messageTypeAttribute, optionalString, required } from './command-args.ts';
import { emit, type Command } from './command.ts';
import { adminTargets, requireBrokerOrCluster } from './cluster-view.ts';
import { formatTable, formatTime } from './table.ts';

async function withAdmin<T>(admin: string, timeoutMs: number, fn: (c: BrokerAdminClient) => Promise<T>): Promise<T> {
  const c = new BrokerAdminClient(admin, timeoutMs);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

export { withAdmin };

export const topicList: Command = {
  name: 'topicList',
  summary: 'every topic the NameServer knows',
  usage: '',
  options: {},
  async run(_values, io) {
    const c = new NamesrvClient(io.namesrv, { timeoutMs: io.timeoutMs });
    try {
      const topics = [...(await c.listTopics())].sort();
      emit(io, topics, () => topics.map((t) => `${t}\n`).join(''));
    } finally {
      c.close();
    }
    return 0;
  },
};

export const topicRoute: Command = {
  name: 'topicRoute',
  summary: "a topic's route: broker groups, their nodes and queues",
  usage: '-t topic',
  options: { topic: { type: 'string', short: 't' } },
  async run(values, io) {
    const topic = required(values, 'topic', '-t topic', 'topicRoute');
    const c = new NamesrvClient(io.namesrv, { timeoutMs: io.timeoutMs });
    try {
      const route = await c.queryRoute(topic);
      emit(io, route, () => formatTable(
        ['Broker Name', 'BID', 'Node', 'Role', 'Term', 'Addr', 'Admin', 'Read Queues', 'Write Queues', 'Perm'],
        route.groups.flatMap((g) => g.nodes.map((n) => [
          g.brokerName, n.brokerId, n.nodeId, n.role, n.raftTerm, `${n.v2Endpoint.host}:${n.v2Endpoint.port}`, n.adminAddress,
          g.queues.readQueueNums, g.queues.writeQueueNums, g.queues.perm,
        ])),
      ));
    } finally {
      c.close();
    }
    return 0;
  },
};

export function topicStatusTable(replies: readonly TopicStatusReply[]): string {
  return formatTable(['Broker Name', 'QID', 'Min Offset', 'Max Offset', 'Last Updated'],
    replies.flatMap((r) => r.queues.map((q) => [r.brokerName, q.queueId, q.minOffset, q.maxOffset, formatTime(q.lastUpdateTimestampMs)])));
}

export const topicStatus: Command = {
  name: 'topicStatus',
  summary: "per queue of a topic: min / max offset and last update time",
  usage: '-t topic [-b broker] [-c cluster]',
  options: { topic: { type: 'string', short: 't' }, brokerAddr: { type: 'string', short: 'b' }, clusterName: { type: 'string', short: 'c' } },
  async run(values, io) {
    const topic = required(values, 'topic', '-t topic', 'topicStatus');
    const targets = await adminTargets(io.namesrv, optionalString(values, 'brokerAddr'), optionalString(values, 'clusterName'), io.timeoutMs);
    const replies = await Promise.all(targets.map((t) => withAdmin(t.admin, io.timeoutMs, (c) => c.topicStatus(topic))));
    emit(io, replies, () => topicStatusTable(replies));
    return 0;
  },
};

function writeLines(what: string, replies: readonly WriteReply[]): string {
  return replies.map((r) => `${what} ${r.outcome === 'ok' ? 'success' : r.outcome} on ${r.brokerName} (raft index ${r.index})\n`).join('');
}

export const updateTopic: Command = {
  name: 'updateTopic',
  summary: 'creates or updates a topic on a broker group (or every group of a cluster)',
  usage: '-t topic (-b broker | -c cluster) [-r readQueueNums] [-w writeQueueNums] [-p perm] [-a +message.type=FIFO]',
  options: {
    topic: { type: 'string', short: 't' }, brokerAddr: { type: 'string', short: 'b' }, clusterName: { type: 'string', short: 'c' },
    readQueueNums: { type: 'string', short: 'r' }, writeQueueNums: { type: 'string', short: 'w' }, perm: { type: 'string', short: 'p' },
    attributes: { type: 'string', short: 'a' },
  },
  async run(values, io) {
    const topic = required(values, 'topic', '-t topic', 'updateTopic');
    const broker = optionalString(values, 'brokerAddr');
    const cluster = optionalString(values, 'clusterName');
    requireBrokerOrCluster(broker, cluster, 'updateTopic');
    const req = {
      topic,
      readQueueNums: intFlag(values, 'readQueueNums', '-r', 1, 1024),
      writeQueueNums: intFlag(values, 'writeQueueNums', '-w', 1, 1024),
      perm: intFlag(values, 'perm', '-p', 0, 7),
      messageType: messageTypeAttribute(optionalString(values, 'attributes')),
    };
    const targets = await adminTargets(io.namesrv, broker, cluster, io.timeoutMs);
    const replies = await Promise.all(targets.map((t) => withAdmin(t.admin, io.timeoutMs, (c) => c.updateTopic(req))));
    emit(io, replies, () => writeLines(`update topic ${topic}`, replies));
    return 0;
  },
};

export const deleteTopic: Command = {
  name: 'deleteTopic',
  summary: 'deletes a topic from a broker group (or every group of a cluster)',
  usage: '-t topic (-b broker | -c cluster)',
  options: { topic: { type: 'string', short: 't' }, brokerAddr: { type: 'string', short: 'b' }, clusterName: { type: 'string', short: 'c' } },
  async run(values, io) {
    const topic = required(values, 'topic', '-t topic', 'deleteTopic');
    const broker = optionalString(values, 'brokerAddr');
    const cluster = optionalString(values, 'clusterName');
    requireBrokerOrCluster(broker, cluster, 'deleteTopic');
    const targets = await adminTargets(io.namesrv, broker, cluster, io.timeoutMs);
    const replies = await Promise.all(targets.map((t) => withAdmin(t.admin, io.timeoutMs, (c) => c.deleteTopic(topic))));
    emit(io, replies, () => writeLines(`delete topic ${topic}`, replies));
    return 0;
  },
};
