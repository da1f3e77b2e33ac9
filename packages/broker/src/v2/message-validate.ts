// RocketMQ's checks on what a producer sends, each answered with its own v2 status code.
// A refused message is never stored; the client gets the reason in one line.

import { Code } from '@ledgermq/protocol';
import { BadRequestError } from '../errors.ts';
import { internalPrefix, isSystemTopic } from '../system-topics.ts';

export const topicNameCharsMax = 127;
export const tagCharsMax = 255;
export const keyCharsMax = 255;
export const keysCountMax = 64;
export const messageGroupCharsMax = 255;
export const userPropertiesCountMax = 128;
export const propertiesBytesMax = 16 * 1024;
export const messageIdCharsMax = 128;

const topicPattern = /^[A-Za-z0-9%_|-]+$/;
/** Property keys the broker owns; a user property of that name would be ambiguous. */
const reservedPropertyKeys = new Set(['KEYS', 'TAGS', 'UNIQ_KEY', 'DELAY', 'TRAN_MSG', 'REAL_TOPIC', 'REAL_QID', '__SHARDINGKEY', 'MSG_REGION', 'TRACE_ON', 'RECONSUME_TIME', 'MAX_RECONSUME_TIMES', 'PGROUP', 'TIMER_DELIVER_MS', 'TIMER_DELAY_SEC']);

export function checkTopicName(topic: string, forSend: boolean): void {
  if (topic === '' || topic.length > topicNameCharsMax || !topicPattern.test(topic)) {
    throw new BadRequestError(`illegal topic ${JSON.stringify(topic)}: 1-${topicNameCharsMax} characters of [A-Za-z0-9%_|-]`, Code.ILLEGAL_TOPIC);
  }
  if (forSend && isSystemTopic(topic)) {
    throw new BadRequestError(`topic ${topic} is a system topic; producers may not send to it`, Code.ILLEGAL_TOPIC);
  }
}

export function checkGroupName(group: string): void {
  if (group === '' || group.length > 255 || !topicPattern.test(group)) {
    throw new BadRequestError(`illegal consumer group ${JSON.stringify(group)}`, Code.ILLEGAL_CONSUMER_GROUP);
  }
}

export function checkTag(tag: string): void {
  if (tag === '' || tag.length > tagCharsMax || /[|\s]/.test(tag)) {
    throw new BadRequestError(`illegal tag ${JSON.stringify(tag)}: non-empty, at most ${tagCharsMax} characters, no '|' or whitespace`, Code.ILLEGAL_MESSAGE_TAG);
  }
}

export function checkKeys(keys: readonly string[]): void {
  if (keys.length > keysCountMax) throw new BadRequestError(`more than ${keysCountMax} keys`, Code.ILLEGAL_MESSAGE_KEY);
  for (const k of keys) {
    if (k === '' || k.length > keyCharsMax || /\s/.test(k)) throw new BadRequestError(`illegal key ${JSON.stringify(k)}`, Code.ILLEGAL_MESSAGE_KEY);
  }
}

export function checkMessageGroup(group: string): void {
  if (group === '' || group.length > messageGroupCharsMax) throw new BadRequestError(`illegal message group ${JSON.stringify(group)}`, Code.ILLEGAL_MESSAGE_GROUP);
}

export function checkMessageId(id: string): void {
  if (id === '' || id.length > messageIdCharsMax || /\s/.test(id)) throw new BadRequestError(`illegal message id ${JSON.stringify(id)}`, Code.ILLEGAL_MESSAGE_ID);
}

export function checkUserProperties(props: ReadonlyMap<string, string>): void {
  if (props.size > userPropertiesCountMax) throw new BadRequestError(`more than ${userPropertiesCountMax} user properties`, Code.MESSAGE_PROPERTIES_TOO_LARGE);
  let bytes = 0;
  for (const [k, v] of props) {
    if (k === '' || reservedPropertyKeys.has(k) || k.startsWith(internalPrefix) || /\s/.test(k)) throw new BadRequestError(`illegal property key ${JSON.stringify(k)}`, Code.ILLEGAL_MESSAGE_PROPERTY_KEY);
    bytes += Buffer.byteLength(k) + Buffer.byteLength(v);
  }
  if (bytes > propertiesBytesMax) throw new BadRequestError(`properties take ${bytes} bytes, more than ${propertiesBytesMax}`, Code.MESSAGE_PROPERTIES_TOO_LARGE);
}

export function checkBody(body: Uint8Array, maxBytes: number): void {
  if (body.length === 0) throw new BadRequestError('message body is empty', Code.MESSAGE_BODY_EMPTY);
  if (body.length > maxBytes) throw new BadRequestError(`message body of ${body.length} bytes exceeds ${maxBytes}`, Code.MESSAGE_BODY_TOO_LARGE);
}
