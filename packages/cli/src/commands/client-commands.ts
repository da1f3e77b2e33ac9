// sendMessage and consumeMessage, with the official RocketMQ 5 client against one node's v2
// endpoint (the client takes one endpoint; the routes it fetches list every node). The client
// is imported when used: it is the slowest module to load.

import { intFlag, optionalString, required } from './command-args.ts';
import { emit, type Command, type CommandIo } from './command.ts';
import { clusterInfo, leaderNode, selectGroups } from './cluster-view.ts';
import { progressBar } from '../progress.ts';
import { formatTable } from './table.ts';

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
export const consumeGroupDefault = 'CID_LEDGERMQ_CLI';
const startupTimeoutMs = 20_000;

async function endpointOf(io: CommandIo, broker: string | undefined): Promise<string> {
  const [g] = selectGroups(await clusterInfo(io.namesrv, io.timeoutMs), broker, undefined);
  const n = leaderNode(g!);
  return `${n.v2Endpoint.host}:${n.v2Endpoint.port}`;
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms); })]).finally(() => clearTimeout(timer));
}

export interface SendRow {
  readonly brokerName: string;
  readonly queueId: number;
  readonly offset: number;
  readonly sendResult: string;
  readonly msgId: string;
}

export const sendMessage: Command = {
  name: 'sendMessage',
  summary: 'sends messages with the RocketMQ 5 client',
  usage: '-t topic -p body [-k keys] [-c tags] [-b broker] [--count N]',
  options: {
    topic: { type: 'string', short: 't' }, body: { type: 'string', short: 'p' }, keys: { type: 'string', short: 'k' }, tags: { type: 'string', short: 'c' },
    brokerName: { type: 'string', short: 'b' }, count: { type: 'string' },
  },
  async run(values, io) {
    const topic = required(values, 'topic', '-t topic', 'sendMessage');
    const body = required(values, 'body', '-p body', 'sendMessage');
    const count = intFlag(values, 'count', '--count', 1, 100_000) ?? 1;
    const keys = optionalString(values, 'keys')?.split(/[ ,]+/).filter((k) => k !== '');
    const tag = optionalString(values, 'tags');
    const endpoint = await endpointOf(io, optionalString(values, 'brokerName'));
    const { Producer } = await import('rocketmq-client-nodejs');
    const producer = new Producer({ endpoints: endpoint, namespace: '', topics: [topic], logger: quiet } as never);
    const rows: SendRow[] = [];
    const progress = progressBar('sendMessage', count, io.interactive);
    try {
      await within(producer.startup(), startupTimeoutMs, `producer startup at ${endpoint}`);
      for (let i = 0; i < count; i++) {
        const r = await within(producer.send({ topic, body: Buffer.from(body), tag, keys }), io.timeoutMs * 2, 'send');
        const mq = r.messageQueue as unknown as { broker?: { name?: string }; queueId?: number };
        rows.push({ brokerName: mq.broker?.name ?? '', queueId: mq.queueId ?? -1, offset: r.offset, sendResult: 'SEND_OK', msgId: r.messageId });
        progress.tick();
      }
    } finally {
      progress.stop();
      await producer.shutdown().catch(() => {});
    }
    emit(io, rows, () => formatTable(['Broker Name', 'QID', 'Send Result', 'MsgId'], rows.map((r) => [r.brokerName, r.queueId, r.sendResult, r.msgId])));
    return 0;
  },
};

export const consumeMessage: Command = {
  name: 'consumeMessage',
  summary: 'receives (and acknowledges) messages of a topic as a consumer group',
  usage: `-t topic [-g group (${consumeGroupDefault})] [-c count (1)] [--wait-ms 5000] [-b broker]`,
  options: {
    topic: { type: 'string', short: 't' }, groupName: { type: 'string', short: 'g' }, count: { type: 'string', short: 'c' },
    'wait-ms': { type: 'string' }, brokerName: { type: 'string', short: 'b' },
  },
  async run(values, io) {
    const topic = required(values, 'topic', '-t topic', 'consumeMessage');
    const group = optionalString(values, 'groupName') ?? consumeGroupDefault;
    const count = intFlag(values, 'count', '-c', 1, 100_000) ?? 1;
    const waitMs = intFlag(values, 'wait-ms', '--wait-ms', 1, 600_000) ?? 5_000;
    const endpoint = await endpointOf(io, optionalString(values, 'brokerName'));
    const { SimpleConsumer } = await import('rocketmq-client-nodejs');
    const consumer = new SimpleConsumer({ endpoints: endpoint, namespace: '', consumerGroup: group, subscriptions: new Map([[topic, '*']]), logger: quiet, awaitDuration: 2_000 } as never);
    const got: Array<{ msgId: string; queueOffset: number | undefined; tag: string; keys: string[]; body: string }> = [];
    const progress = progressBar('consumeMessage', count, io.interactive);
    try {
      await within(consumer.startup(), startupTimeoutMs, `consumer startup at ${endpoint}`);
      const deadline = Date.now() + waitMs;
      while (got.length < count && Date.now() < deadline) {
        const msgs = await consumer.receive(Math.min(32, count - got.length), 30_000);
        for (const m of msgs) {
          got.push({ msgId: m.messageId, queueOffset: m.offset, tag: m.tag ?? '', keys: m.keys, body: m.body.toString('utf8') });
          await consumer.ack(m);
          progress.tick();
        }
      }
    } finally {
      progress.stop();
      await consumer.shutdown().catch(() => {});
    }
    emit(io, got, () => formatTable(['MsgId', 'Offset', 'Tag', 'Keys', 'Body'], got.map((m) => [m.msgId, m.queueOffset ?? '', m.tag, m.keys.join(' '), m.body])));
    return 0;
  },
};
