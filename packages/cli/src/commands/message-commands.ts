// queryMsgById, queryMsgByKey, queryMsgByOffset.

import type { MessageView, QueryMsgReply } from '../broker-admin.ts';
import { UsageError } from '../usage-error.ts';
import { intFlag, optionalString, required } from './command-args.ts';
import { emit, type Command } from './command.ts';
import { adminTargets } from './cluster-view.ts';
import { formatKeyValues, formatTable, formatTime } from './table.ts';
import { withAdmin } from './topic-commands.ts';

export function messageDetail(m: MessageView): string {
  return formatKeyValues([
    ['OffsetID', m.offsetMsgId], ['Topic', m.topic], ['Tags', `[${m.tags}]`], ['Keys', `[${m.keys.join(' ')}]`],
    ['Queue ID', m.queueId], ['Queue Offset', m.queueOffset], ['CommitLog Offset', m.physicalOffset], ['Reconsume Times', m.reconsumeTimes],
    ['Born Timestamp', formatTime(m.bornTimestampMs)], ['Store Timestamp', formatTime(m.storeTimestampMs)], ['Born Host', m.bornHost], ['Store Host', m.storeHost],
    ['System Flag', 0], ['Properties', JSON.stringify(m.userProperties)], ['Message Body Size', m.bodyBytes], ['Message Body', m.body],
  ], 20);
}

function all(replies: readonly QueryMsgReply[]): MessageView[] {
  return replies.flatMap((r) => r.messages);
}

export const queryMsgById: Command = {
  name: 'queryMsgById',
  summary: 'a message by its offset id or client message id',
  usage: '-i msgId [-b broker]',
  options: { msgId: { type: 'string', short: 'i' }, brokerAddr: { type: 'string', short: 'b' } },
  async run(values, io) {
    const id = required(values, 'msgId', '-i msgId', 'queryMsgById');
    const targets = await adminTargets(io.namesrv, optionalString(values, 'brokerAddr'), undefined, io.timeoutMs);
    const found = all(await Promise.all(targets.map((t) => withAdmin(t.admin, io.timeoutMs, (c) => c.queryMsgById(id)))));
    if (found.length === 0) throw new Error(`no message with id ${id}`);
    emit(io, found, () => found.map((m) => `${formatKeyValues([['MsgId', m.msgId]], 20)}${messageDetail(m)}`).join('\n'));
    return 0;
  },
};

export const queryMsgByKey: Command = {
  name: 'queryMsgByKey',
  summary: 'messages of a topic by key (newest first)',
  usage: '-t topic -k key [-b broker]',
  options: { topic: { type: 'string', short: 't' }, msgKey: { type: 'string', short: 'k' }, brokerAddr: { type: 'string', short: 'b' } },
  async run(values, io) {
    const topic = required(values, 'topic', '-t topic', 'queryMsgByKey');
    const key = required(values, 'msgKey', '-k key', 'queryMsgByKey');
    const targets = await adminTargets(io.namesrv, optionalString(values, 'brokerAddr'), undefined, io.timeoutMs);
    const found = all(await Promise.all(targets.map((t) => withAdmin(t.admin, io.timeoutMs, (c) => c.queryMsgByKey(topic, key).catch((err: Error & { code?: string }) => {
      if (err.code === 'NOT_FOUND') return { brokerName: t.brokerName, messages: [] };
      throw err;
    })))));
    emit(io, found, () => formatTable(['Message ID', 'QID', 'Offset', 'Store Time'], found.map((m) => [m.msgId || m.offsetMsgId, m.queueId, m.queueOffset, formatTime(m.storeTimestampMs)])));
    return 0;
  },
};

export const queryMsgByOffset: Command = {
  name: 'queryMsgByOffset',
  summary: 'the message at a queue offset',
  usage: '-t topic -b broker -i queueId -o offset',
  options: { topic: { type: 'string', short: 't' }, brokerAddr: { type: 'string', short: 'b' }, queueId: { type: 'string', short: 'i' }, offset: { type: 'string', short: 'o' } },
  async run(values, io) {
    const topic = required(values, 'topic', '-t topic', 'queryMsgByOffset');
    const broker = required(values, 'brokerAddr', '-b broker', 'queryMsgByOffset');
    const queueId = intFlag(values, 'queueId', '-i', 0, 65_535);
    const offset = intFlag(values, 'offset', '-o', 0, Number.MAX_SAFE_INTEGER);
    if (queueId === undefined || offset === undefined) throw new UsageError('queryMsgByOffset needs -i queueId and -o offset');
    const [t] = await adminTargets(io.namesrv, broker, undefined, io.timeoutMs);
    const found = (await withAdmin(t!.admin, io.timeoutMs, (c) => c.queryMsgByOffset(topic, queueId, offset))).messages;
    emit(io, found, () => found.map((m) => `${formatKeyValues([['MsgId', m.msgId]], 20)}${messageDetail(m)}`).join('\n'));
    return 0;
  },
};
