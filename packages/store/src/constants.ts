// Every limit of the store in one place. Units are the last word of each name.

/** Version byte written at the start of every command body after the kind tag. */
export const commandVersion = 1;

/** Topic names: RocketMQ allows [A-Za-z0-9%_|-], at most 127 characters. */
export const topicNameCharsMax = 127;
/** Group names follow the same rule as topics but may be longer in RocketMQ 5. */
export const groupNameCharsMax = 255;
/** Queue ids are in [0, queueIdMax]; RocketMQ topics rarely have more than a few hundred queues. */
export const queueIdMax = 1023;
/** Read/write queue counts of a topic. */
export const queueCountMax = queueIdMax + 1;
/** Auto-created topics get this many queues (RocketMQ default). */
export const queueCountDefault = 8;

/** Message body limit (RocketMQ default 4 MiB). */
export const bodyBytesMax = 4 * 1024 * 1024;
/** All properties of one message, encoded (RocketMQ caps them at 32 KiB). */
export const propertiesBytesMax = 32 * 1024;
/** Any single string field (tag, key, host, user property...). */
export const stringBytesMax = 16 * 1024;
/** Keys per message and user properties per message. */
export const keysCountMax = 64;
export const userPropertiesCountMax = 256;
/** Messages that may share one batch entry. */
export const batchMessagesMax = 1024;
/** A whole entry body (one batch): the ledger's default entry limit. */
export const entryBodyBytesMax = 16 * 1024 * 1024;
/** Opaque payload of generic (transaction / timer) commands. */
export const genericValueBytesMax = 64 * 1024;

/** ConsumeQueue record: physical offset 8, size 4, tag hash 8. */
export const cqRecordBytes = 20;
/** Records per ConsumeQueue file (RocketMQ default: 300,000 records, 6,000,000 bytes). */
export const cqFileRecordsDefault = 300_000;
/**
 * A ConsumeQueue's in-memory tail: appends land there and reach the file in one write when it
 * is full (or at a file boundary, or at a checkpoint). Grows from Min to Max per active queue,
 * so a thousand busy queues hold at most 20 MiB.
 */
export const cqTailRecordsMin = 64;
export const cqTailRecordsMax = 1024;
/** ConsumeQueue file names are the first queue offset, zero-padded to this many digits. */
export const cqFileNameDigits = 20;

/**
 * apply() starts a checkpoint itself once this many applied messages wait for one (the node's
 * 1 s timer would otherwise let a fast second build one huge batch). Small batches also keep
 * LevelDB's log short, which it replays at open: with 100k, opening a store of 1M messages
 * took 4-6 s here, with 20k 3.4 s. Batches still grow while a flush is in flight.
 */
export const indexFlushEntries = 20_000;
/**
 * Messages of the message index written into a checkpoint's batch per turn of the event loop
 * (about 4 us each in a CPU profile on this project's 2-core machine, profiler included: about a
 * millisecond per slice).
 */
export const indexFlushSliceMessages = 256;
/** Message ids fetched from LevelDB per step of MessageIndex.flushedUniqKeys (the broker's start-up scan). */
export const uniqKeyScanBatchKeys = 1000;
/** An `idx/b` id block ends once it holds this many bytes (plus at most one id). */
export const uniqBlockBytesMax = 256 * 1024;
/** Id blocks fetched from LevelDB per step of that scan. */
export const uniqBlockScanBatchBlocks = 16;
/** Keys one step of the index sweep after retention scans (each step is one LevelDB batch). */
export const indexSweepKeysPerBatch = 10_000;

/** Query results are bounded; newest first. */
export const queryResultsDefault = 64;
export const queryResultsMax = 1024;

/** Apply results kept for the broker to resolve send promises by index. */
export const applyResultsMax = 65_536;

/** One receive reads at most this many messages and bytes (RocketMQ pull defaults are 32 / 256 KiB). */
export const readMessagesMax = 1024;
export const readBytesDefault = 4 * 1024 * 1024;
/**
 * A queue read takes at least this many ConsumeQueue records per file read (5 KiB) and keeps
 * them for the next read of the same queue: a consumer pulling 32 at a time then costs one read
 * system call per 256 messages instead of one per call (a call costs as much as decoding a few
 * messages here).
 */
export const queueReadAheadRecords = 256;

/** Retry policy of a subscription group (RocketMQ default 16 retries). */
export const retryMaxTimesDefault = 16;

/** A snapshot larger than this is refused at restore. */
export const snapshotBytesMax = 1024 * 1024 * 1024;

/** One metadata value (topic, group, offset, or a transaction/timer command body). */
export const metaValueBytesMax = 256 * 1024;

/** Tag hashes remembered (tags are few; a flood of distinct ones only costs re-hashing). */
export const tagHashCacheMax = 4096;
/** Strings remembered per repeating message field (topic, hosts, tags) and the longest remembered. */
export const stringMemoSlots = 4;
export const stringMemoBytesMax = 128;
/** Store hosts whose offset-id prefix is remembered (a group has a handful of leaders). */
export const hostPrefixesMax = 64;
