// SendMessage. A request's messages are converted, checked and routed in one synchronous pass
// (topics still to be created first, all at once), then stored together through
// SendService.sendAllFromClient; each message gets its own status in the answer, and the
// request's status is the first failure's (the official client reads it for single sends).

import { createHash } from 'node:crypto';
import { Code, type v2 } from '@ledgermq/protocol';
import { MessageType as StoreType, type TopicConfig } from '@ledgermq/store';
import { BadRequestError, TopicNotFoundError } from '../errors.ts';
import type { MessageToSend, SendService } from '../producer/send-service.ts';
import { halfTopic, realTopicKey, timerTopic } from '../system-topics.ts';
import type { StorePort } from '../store-port.ts';
import { fromV2, typeName, type ConvertOptions, type IncomingMessage } from './message-convert.ts';

export interface SendHandlerDeps {
  readonly store: Pick<StorePort, 'topic'>;
  readonly send: Pick<SendService, 'sendAllFromClient'>;
  readonly maxBodyBytes: number;
  readonly timerDelayMsMax: number;
  readonly delayLevelsMs: readonly number[];
  readonly nowMs: () => number;
  /** The topic's config, creating it (auto-create) when allowed; undefined when unknown. */
  readonly topicForWrite: (topic: string) => Promise<TopicConfig | undefined>;
}

/** A delay message due this soon (or already due) is stored in its topic at once. */
export const delayImmediateMs = 20;

/** Shared by every successful entry: the response writer only reads it. */
const okStatus: v2.Status = Object.freeze({ code: Code.OK, message: 'OK' });

export async function sendMessage(d: SendHandlerDeps, req: v2.SendMessageRequest): Promise<v2.SendMessageResponse> {
  const msgs = req.messages ?? [];
  if (msgs.length === 0) throw new BadRequestError('no message to send');
  const entries = new Array<v2.SendResultEntry>(msgs.length);
  const opts: ConvertOptions = { maxBodyBytes: d.maxBodyBytes, nowMs: d.nowMs(), timerDelayMsMax: d.timerDelayMsMax, delayLevelsMs: d.delayLevelsMs };
  const incoming = new Array<IncomingMessage | undefined>(msgs.length);
  let unknownTopics: Set<string> | null = null;
  for (let i = 0; i < msgs.length; i++) {
    try {
      const m = fromV2(msgs[i]!, opts);
      incoming[i] = m;
      if (d.store.topic(m.topic) === undefined) (unknownTopics ??= new Set()).add(m.topic);
    } catch (err) {
      entries[i] = failedEntry(msgs[i]!, err);
    }
  }
  const created = unknownTopics === null ? null : await createTopics(d, unknownTopics);
  const nowMs = created === null ? opts.nowMs : d.nowMs();
  const sends: MessageToSend[] = [];
  const slots: number[] = [];
  const transactionIds: string[] = [];
  for (let i = 0; i < msgs.length; i++) {
    const m = incoming[i];
    if (m === undefined) continue;
    try {
      const routed = routeTo(m, d.store.topic(m.topic) ?? created?.get(m.topic), nowMs);
      sends.push(routed.send);
      slots.push(i);
      transactionIds.push(routed.transactionId);
    } catch (err) {
      entries[i] = failedEntry(msgs[i]!, err);
    }
  }
  const outcomes = sends.length === 0 ? [] : await d.send.sendAllFromClient(sends);
  for (let j = 0; j < outcomes.length; j++) {
    const o = outcomes[j]!;
    const i = slots[j]!;
    entries[i] = o instanceof Error ? failedEntry(msgs[i]!, o) : { status: okStatus, message_id: o.messageId, transaction_id: transactionIds[j]!, offset: String(o.queueOffset) };
  }
  const failed = entries.find((e) => e.status.code !== Code.OK);
  return { status: failed?.status ?? okStatus, entries };
}

/** Topics the request names that do not exist yet: created where allowed, all at once. */
async function createTopics(d: SendHandlerDeps, names: ReadonlySet<string>): Promise<Map<string, TopicConfig | Error | undefined>> {
  const pairs = await Promise.all(
    [...names].map(async (name): Promise<[string, TopicConfig | Error | undefined]> => {
      try {
        return [name, await d.topicForWrite(name)];
      } catch (err) {
        return [name, err instanceof Error ? err : new Error(String(err))];
      }
    }),
  );
  return new Map(pairs);
}

/**
 * Where a message is stored: a due-later delay message waits in the timer topic, a
 * transactional one in the half topic (both remember the real topic); the rest go straight in.
 */
function routeTo(m: IncomingMessage, config: TopicConfig | Error | undefined, nowMs: number): { send: MessageToSend; transactionId: string } {
  if (config instanceof Error) throw config;
  if (config === undefined) throw new TopicNotFoundError(m.topic);
  if (config.messageType !== StoreType.Mixed && config.messageType !== m.type) {
    throw new BadRequestError(`topic ${m.topic} accepts ${typeName(config.messageType)} messages, not ${typeName(m.type)}`, Code.MESSAGE_PROPERTY_CONFLICT_WITH_TYPE);
  }
  const p = m.input.properties;
  const id = p.uniqKey;
  if (id === null) throw new BadRequestError('message_id missing');
  // DELAY messages, and NORMAL ones with a delay level (RocketMQ's `DELAY` property).
  if ((p.deliveryTimestampMs ?? 0) > nowMs + delayImmediateMs) {
    const input = { ...m.input, properties: { ...p, user: new Map([...p.user, [realTopicKey, m.topic]]) } };
    return { send: { m: { ...m, input }, topic: timerTopic, id }, transactionId: '' };
  }
  if (m.type === StoreType.Transaction) {
    // Derived from the message id: a retried send that finds the stored half answers the same id.
    const transactionId = createHash('sha1').update(`tx\u0000${id}`).digest('hex').slice(0, 32).toUpperCase();
    const input = { ...m.input, properties: { ...p, transactionId, user: new Map([...p.user, [realTopicKey, m.topic]]) } };
    return { send: { m: { ...m, input }, topic: halfTopic, id }, transactionId };
  }
  return { send: { m, topic: m.topic, id }, transactionId: '' };
}

function failedEntry(m: v2.Message, err: unknown): v2.SendResultEntry {
  const e = err as Error & { v2Code?: number };
  return { status: { code: e.v2Code ?? Code.INTERNAL_ERROR, message: e.message }, message_id: m.system_properties?.message_id ?? '', transaction_id: '', offset: '0' };
}
