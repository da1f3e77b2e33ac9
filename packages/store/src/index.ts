// Public API of @ledgermq/store: the state machines applied from the committed log
// (ConsumeQueues, message index, metadata) and the entry bodies the broker proposes.

export { StoreStateMachine, type StoreOptions } from './store-state-machine.ts';
export { type StoreDigest, type QueueDigest, type FileDigest, type DbDigest, type PartDigest, nodeSpecificKeys } from './store-digest.ts';
export { MessageReader, ReadStatus, type ReadResult, type ReadOptions, type QueueMessage, type StoreLog } from './message-reader.ts';
export { type ApplyResult, type AppliedMessage, RejectReason, CommandOutcome } from './apply-results.ts';

export { encodeMessageBatch, decodeMessageBatch, decodeMessageAt, decodeBatchHeader, type BatchHeader } from './message-codec.ts';
export { TransactionState, emptyProperties, type MessageProperties, type MessageInput, type MessageBatch, type StoredMessage } from './message.ts';
export { CommandKind } from './command-kind.ts';
export { encodeCommand, decodeCommand, commandKindOf, TransactionResolution, type StateCommand } from './commands.ts';

export { MessageType, Perm, topicConfig, groupConfig, type TopicConfig, type GroupConfig } from './metadata-types.ts';
export { Metadata, type ConsumerOffset } from './metadata.ts';
export { MessageIndex, type IndexHit } from './message-index.ts';
export { encodeOffsetMessageId, decodeOffsetMessageId, type OffsetMessageId } from './message-id.ts';

export { ConsumeQueue, type QueueState } from './consume-queue.ts';
export { tearQueueTail, type TornQueueTail, type TearQueueOptions } from './torn-queue-tail.ts';
export { type CqRecord, tagHash } from './cq-record.ts';
export { parseTagFilter, type TagFilter } from './tag-filter.ts';
export { isValidTopic, isValidGroup, isValidQueueId } from './names.ts';

export * from './errors.ts';
export * as storeConstants from './constants.ts';
