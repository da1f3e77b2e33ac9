// StorePort over the store's state machine, and the store as the Raft node's state machine
// (plus the retention hook).

import type { StateMachine } from '@ledgermq/raft-node';
import type { StoreStateMachine } from '@ledgermq/store';
import type { QueueBounds, QueueMessage, StorePort } from './store-port.ts';

export function storePort(store: StoreStateMachine): StorePort {
  return {
    topic: (name) => store.metadata.topic(name),
    topics: () => store.metadata.topics(),
    group: (name) => store.metadata.group(name),
    bounds: (topic, queueId): QueueBounds => {
      const s = store.queueState(topic, queueId);
      return s === undefined ? { min: 0, max: 0 } : { min: s.minOffset, max: s.nextOffset };
    },
    read: (topic, queueId, fromOffset, countMax): QueueMessage[] => {
      const r = store.reader.readQueue(topic, queueId, fromOffset, { countMax });
      return [...r.messages];
    },
    committedOffset: (group, topic, queueId) => store.metadata.consumerOffset(group, topic, queueId),
    offsetForTimestamp: (topic, queueId, timestampMs) => store.reader.offsetForTimestamp(topic, queueId, timestampMs),
  };
}

/** The store as the node's state machine; retention tells it where the log now starts. */
export function storeStateMachine(store: StoreStateMachine): StateMachine {
  return {
    appliedIndex: () => store.appliedIndex(),
    conf: () => store.conf(),
    apply: (entries) => store.apply(entries),
    snapshot: () => store.snapshot(),
    restore: (data, index) => store.restore(data, index),
    checkpoint: () => store.checkpoint(),
    summary: () => store.summary(),
    close: () => store.close(),
    logTruncated: (firstPos) => store.truncateBefore(firstPos),
    digest: () => store.digest(),
  };
}
