// v2 messages <-> the store's messages. Validation happens here, on the way in, so the log
// never holds a message RocketMQ would have refused.

import { delayLevelProperty, delayOfLevel } from '../producer/delay-levels.ts';
import * as crypto from 'node:crypto';
import { Code, DigestType, Encoding, MessageType as V2Type, msToDuration, msToTimestamp, timestampToMs, type v2 } from '@ledgermq/protocol';
import { MessageType as StoreType, TransactionState, type MessageInput, type StoredMessage } from '@ledgermq/store';
import { BadRequestError } from '../errors.ts';
import { visibleUserProperties } from '../system-topics.ts';
import { checkBody, checkKeys, checkMessageGroup, checkMessageId, checkTag, checkTopicName, checkUserProperties } from './message-validate.ts';

/** What the broker needs besides the store's message: where it goes and how it is typed. */
export interface IncomingMessage {
  readonly topic: string;
  readonly type: StoreType;
  readonly input: MessageInput;
}

export interface ConvertOptions {
  readonly maxBodyBytes: number;
  readonly nowMs: number;
  readonly timerDelayMsMax: number;
  /** `messageDelayLevel` in ms (RocketMQ's 18 levels by default). */
  readonly delayLevelsMs: readonly number[];
}

const typeFromV2: Record<number, StoreType> = {
  [V2Type.NORMAL]: StoreType.Normal,
  [V2Type.FIFO]: StoreType.Fifo,
  [V2Type.DELAY]: StoreType.Delay,
  [V2Type.TRANSACTION]: StoreType.Transaction,
};
const typeToV2: Record<number, number> = {
  [StoreType.Normal]: V2Type.NORMAL,
  [StoreType.Fifo]: V2Type.FIFO,
  [StoreType.Delay]: V2Type.DELAY,
  [StoreType.Transaction]: V2Type.TRANSACTION,
};

const typeNames = ['NORMAL', 'FIFO', 'DELAY', 'TRANSACTION'] as const;

/** What a topic of `type` accepts, in the NameServer's words (empty: all four). */
export function acceptedTypes(type: StoreType): (typeof typeNames)[number][] {
  const name = (typeNames as readonly string[])[type] as (typeof typeNames)[number] | undefined;
  return name === undefined ? [] : [name];
}

export function typeName(type: StoreType): string {
  return (typeNames as readonly string[])[type] ?? 'MIXED';
}

/** The store type of a type name (as operators write it: NORMAL, FIFO, DELAY, TRANSACTION, MIXED). */
export function typeOfName(name: string): StoreType | undefined {
  const upper = name.toUpperCase();
  if (upper === 'MIXED') return StoreType.Mixed;
  const at = (typeNames as readonly string[]).indexOf(upper);
  return at < 0 ? undefined : (at as StoreType);
}

const noUserProperties: ReadonlyMap<string, string> = new Map();

export function fromV2(m: v2.Message, opts: ConvertOptions): IncomingMessage {
  const topic = m.topic?.name ?? '';
  checkTopicName(topic, true);
  const sys = m.system_properties;
  if (sys === null) throw new BadRequestError('system_properties missing');
  checkMessageId(sys.message_id);
  const body = m.body ?? Buffer.alloc(0);
  checkBody(body, opts.maxBodyBytes);
  if (Number(sys.body_encoding) === Encoding.GZIP) throw new BadRequestError('GZIP bodies are not supported', Code.UNSUPPORTED);
  const type = typeFromV2[Number(sys.message_type)] ?? (sys.delivery_timestamp ? StoreType.Delay : sys.message_group ? StoreType.Fifo : StoreType.Normal);
  const tag = sys.tag;
  if (tag !== undefined && tag !== '') checkTag(tag);
  checkKeys(sys.keys ?? []);
  const group = sys.message_group;
  if (type === StoreType.Fifo) {
    if (!group) throw new BadRequestError('a FIFO message needs a message group', Code.ILLEGAL_MESSAGE_GROUP);
    checkMessageGroup(group);
  } else if (group) {
    throw new BadRequestError('only FIFO messages carry a message group', Code.MESSAGE_PROPERTY_CONFLICT_WITH_TYPE);
  }
  let deliveryTimestampMs: number | null = null;
  if (sys.delivery_timestamp) {
    if (type !== StoreType.Delay) throw new BadRequestError('only DELAY messages carry a delivery time', Code.MESSAGE_PROPERTY_CONFLICT_WITH_TYPE);
    deliveryTimestampMs = timestampToMs(sys.delivery_timestamp, 0, 'delivery_timestamp');
    if (deliveryTimestampMs - opts.nowMs > opts.timerDelayMsMax) {
      throw new BadRequestError(`delivery time is more than ${opts.timerDelayMsMax / 1000} s ahead`, Code.ILLEGAL_DELIVERY_TIME);
    }
  }
  // DELAY is a reserved (system) key: taken out as the delay level, not kept as a user property.
  let level: string | undefined;
  let user: Map<string, string> | null = null;
  const props = m.user_properties ?? {};
  for (const k in props) {
    if (!Object.hasOwn(props, k)) continue;
    if (k === delayLevelProperty) level = props[k];
    else (user ??= new Map()).set(k, props[k]!);
  }
  if (level !== undefined && type !== StoreType.Normal && type !== StoreType.Delay) {
    throw new BadRequestError('a delay level (DELAY property) applies to NORMAL and DELAY messages only', Code.MESSAGE_PROPERTY_CONFLICT_WITH_TYPE);
  }
  if (deliveryTimestampMs === null && level !== undefined) {
    const delayMs = delayOfLevel(level, opts.delayLevelsMs);
    if (delayMs !== null) deliveryTimestampMs = opts.nowMs + delayMs;
  }
  if (deliveryTimestampMs === null && type === StoreType.Delay) {
    throw new BadRequestError('a DELAY message needs a delivery time (or a DELAY level property)', Code.ILLEGAL_DELIVERY_TIME);
  }
  if (user !== null) checkUserProperties(user);
  const input: MessageInput = {
    flag: 0,
    sysFlag: 0,
    reconsumeTimes: 0,
    bornHost: sys.born_host ?? '',
    bornTimestampMs: timestampToMs(sys.born_timestamp, opts.nowMs, 'born_timestamp'),
    properties: {
      tags: tag ? tag : null,
      // The decoded request's own array: nothing else holds it.
      keys: sys.keys ?? [],
      uniqKey: sys.message_id,
      messageGroup: group ? group : null,
      deliveryTimestampMs,
      transactionId: null,
      transactionState: type === StoreType.Transaction ? TransactionState.Prepared : TransactionState.None,
      traceContext: sys.trace_context ? sys.trace_context : null,
      // Most messages have none: one shared empty map (read-only by its type) instead of one each.
      user: user ?? noUserProperties,
    },
    body,
  };
  return { topic, type, input };
}

/** In a mixed topic a message's type shows in its properties. */
function inferredType(p: StoredMessage['properties']): number {
  if (p.messageGroup !== null) return V2Type.FIFO;
  if (p.deliveryTimestampMs !== null) return V2Type.DELAY;
  if (p.transactionState !== TransactionState.None) return V2Type.TRANSACTION;
  return V2Type.NORMAL;
}

export interface DeliveryFields {
  readonly topic: string;
  readonly queueOffset: number;
  readonly receiptHandle: string;
  readonly deliveryAttempt: number;
  readonly invisibleMs: number;
  readonly type: StoreType;
}

// crypto.hash (one shot) is in Node >= 20.12; older 20.x lines fall back to createHash.
const oneShotHash = (crypto as { hash?: (alg: string, data: Uint8Array, enc: 'hex') => string }).hash;
const md5Hex = (body: Uint8Array): string =>
  (oneShotHash !== undefined ? oneShotHash('md5', body, 'hex') : crypto.createHash('md5').update(body).digest('hex')).toUpperCase();

/** A stored message as the client receives it (body_digest is required by the client). */
export function toV2(m: StoredMessage, d: DeliveryFields): v2.Message {
  const p = m.properties;
  const sys: v2.SystemProperties = {
    keys: [...p.keys],
    message_id: p.uniqKey ?? '',
    // MD5: every official client checks it the same way (their CRC32 renderings differ: hex in
    // Java, decimal in Node.js). One-shot hash(): half the cost of a createHash object per message.
    body_digest: { type: DigestType.MD5, checksum: md5Hex(m.body) },
    body_encoding: Encoding.IDENTITY,
    message_type: typeToV2[d.type] ?? inferredType(p),
    born_timestamp: msToTimestamp(m.bornTimestampMs),
    born_host: m.bornHost,
    store_timestamp: msToTimestamp(m.storeTimestampMs),
    store_host: m.storeHost,
    receipt_handle: d.receiptHandle,
    queue_id: m.queueId,
    queue_offset: String(d.queueOffset),
    invisible_duration: msToDuration(d.invisibleMs),
    delivery_attempt: d.deliveryAttempt,
  };
  if (p.tags !== null) sys.tag = p.tags;
  if (p.messageGroup !== null) sys.message_group = p.messageGroup;
  if (p.deliveryTimestampMs !== null) sys.delivery_timestamp = msToTimestamp(p.deliveryTimestampMs);
  if (p.traceContext !== null) sys.trace_context = p.traceContext;
  return { topic: { resource_namespace: '', name: d.topic }, user_properties: visibleUserProperties(p.user), system_properties: sys, body: m.body };
}
