// Topic and subscription-group configuration as replicated through the log.

import { queueCountDefault, retryMaxTimesDefault } from './constants.ts';

/** Mixed: a topic that accepts every type (what auto-creation makes). */
export const MessageType = { Normal: 0, Fifo: 1, Delay: 2, Transaction: 3, Mixed: 4 } as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** RocketMQ permission bits. */
export const Perm = { Inherit: 1, Write: 2, Read: 4, ReadWrite: 6 } as const;

export interface TopicConfig {
  readonly name: string;
  readonly readQueueNums: number;
  readonly writeQueueNums: number;
  /** Bit set of Perm. */
  readonly perm: number;
  readonly messageType: MessageType;
}

export interface GroupConfig {
  readonly name: string;
  /** Deliveries after the first before the message goes to %DLQ%<group>. */
  readonly retryMaxTimes: number;
  /** FIFO groups deliver a message group's next message only after the previous one is done. */
  readonly fifo: boolean;
  readonly consumeEnable: boolean;
}

export function topicConfig(name: string, overrides: Partial<Omit<TopicConfig, 'name'>> = {}): TopicConfig {
  return { name, readQueueNums: queueCountDefault, writeQueueNums: queueCountDefault, perm: Perm.ReadWrite, messageType: MessageType.Normal, ...overrides };
}

export function groupConfig(name: string, overrides: Partial<Omit<GroupConfig, 'name'>> = {}): GroupConfig {
  return { name, retryMaxTimes: retryMaxTimesDefault, fifo: false, consumeEnable: true, ...overrides };
}
