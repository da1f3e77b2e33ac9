// What the broker's services need from the store, in the broker's own words. The adapter over
// @ledgermq/store lives in store-adapter.ts; tests can use a small real store behind it.

import type { GroupConfig, StoredMessage, TopicConfig } from '@ledgermq/store';

export interface QueueMessage {
  readonly queueOffset: number;
  readonly physicalOffset: number;
  readonly message: StoredMessage;
}

export interface QueueBounds {
  /** Lowest offset still stored (retention raises it). */
  readonly min: number;
  /** Next offset to be assigned. */
  readonly max: number;
}

export interface StorePort {
  topic(name: string): TopicConfig | undefined;
  topics(): TopicConfig[];
  group(name: string): GroupConfig | undefined;
  bounds(topic: string, queueId: number): QueueBounds;
  /** Messages of one queue from `fromOffset`, ascending, at most `countMax`; applied entries only. */
  read(topic: string, queueId: number, fromOffset: number, countMax: number): QueueMessage[];
  committedOffset(group: string, topic: string, queueId: number): number | undefined;
  /** First queue offset whose store time is >= `timestampMs` (binary search), or null when none. */
  offsetForTimestamp(topic: string, queueId: number, timestampMs: number): number | null;
}
