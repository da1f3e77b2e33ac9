// Topics and consumer groups only the broker uses, and the internal properties it puts on the
// messages it moves between them. Producers may not send to these topics, nor set these keys.

import type { MessageInput, StoredMessage } from '@ledgermq/store';

/** Delay / timed messages wait here until their delivery time. */
export const timerTopic = 'rmq_sys_wheel_timer';
/** Transactional half messages wait here until committed or rolled back. */
export const halfTopic = 'RMQ_SYS_TRANS_HALF_TOPIC';
/** Cursors of the broker's own consumers of those topics (replicated consumer offsets). */
export const timerGroup = 'rmq_sys_timer_group';
export const halfGroup = 'rmq_sys_trans_group';

/** Topics only the broker writes to; producers may not send to them. */
export const systemTopicPrefixes = ['%RETRY%', '%DLQ%', 'rmq_sys_', 'RMQ_SYS_', 'TBW102', 'SCHEDULE_TOPIC_XXXX'] as const;

export function isSystemTopic(name: string): boolean {
  return systemTopicPrefixes.some((p) => name.startsWith(p));
}

export function dlqTopic(group: string): string {
  return `%DLQ%${group}`;
}

/** Internal property keys (user keys with this prefix are refused at send). */
export const internalPrefix = '__lmq.';
export const realTopicKey = `${internalPrefix}realTopic`;
export const originTopicKey = `${internalPrefix}originTopic`;
export const originQueueKey = `${internalPrefix}originQueue`;
export const originOffsetKey = `${internalPrefix}originOffset`;

/** A stored message as a new input (moving it to another topic), with properties changed. */
export function restage(m: StoredMessage, user: (u: Map<string, string>) => void, overrides: Partial<MessageInput> = {}): MessageInput {
  const u = new Map(m.properties.user);
  user(u);
  return {
    flag: m.flag,
    sysFlag: m.sysFlag,
    reconsumeTimes: m.reconsumeTimes,
    bornHost: m.bornHost,
    bornTimestampMs: m.bornTimestampMs,
    properties: { ...m.properties, user: u },
    body: m.body,
    ...overrides,
  };
}

/** User properties as the client sees them: internal keys removed. */
export function visibleUserProperties(user: ReadonlyMap<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of user) if (!k.startsWith(internalPrefix)) out[k] = v;
  return out;
}
