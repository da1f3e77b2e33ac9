// Limits and defaults of one broker node. Units last in names. RocketMQ's defaults unless a
// comment says why not.

export const v2PortBase = 8081;
export const metricsPortBase = 5557;
export const namesrvPortDefault = 9876;

/** Register with every NameServer this often, and at once on a leader change (RocketMQ: 30 s). */
export const registerIntervalMsDefault = 30_000;
export const namesrvCallTimeoutMs = 3_000;

export const defaultTopicQueueNums = 8;
/** Route entries of a group's leader (routeLeaderEntries): 4 of 6 sends reach a 3-node group's leader directly. */
export const routeLeaderEntriesDefault = 4;
export const messageBodyBytesMax = 4 * 1024 * 1024;
/** The gRPC server accepts a 4 MiB body plus its envelope (properties, headers). */
export const grpcMessageBytesMax = messageBodyBytesMax + 1024 * 1024;
/** Messages in one SendMessage request. */
export const sendBatchMessagesMax = 1_024;
/**
 * Calls one client connection may have open at once on the v2 endpoint (HTTP/2's
 * SETTINGS_MAX_CONCURRENT_STREAMS); a client queues the rest itself. The common server default
 * (nginx 128, Go 250). It bounds what a flood of connections can pile onto the leader's loop
 * (see V2Server.listen) yet leaves room for a consumer's long polls, one per queue it reads,
 * which hold a stream for up to their polling time.
 */
export const v2StreamsPerConnectionMax = 128;

export const transactionTimeoutMsDefault = 6_000;
export const transactionCheckIntervalMsDefault = 6_000;
export const transactionCheckMaxDefault = 15;
/** Delay / timed messages: the latest delivery time accepted, relative to now (24 h). */
export const timerDelayMsMax = 24 * 3600 * 1000;

/** A forwarded call to the leader waits at most this long for the leader's answer. */
export const forwardTimeoutMs = 10_000;
/** Forwarded calls outstanding at once per node; beyond this the node answers "too many requests". */
export const forwardInflightMax = 4_096;

/** Connected clients remembered per node (consumerConnection / producerConnection). */
export const clientsMax = 10_000;
/** A client not heard from for this long is forgotten (RocketMQ's channel expiry: 120 s; clients heartbeat every 10 s). */
export const clientExpireMsDefault = 120_000;
/** Topics or subscriptions kept per client. */
export const clientTopicsMax = 256;
/** Topic and (topic, group) series kept for statsAll; beyond this new series are not counted. */
export const statsSeriesMax = 4_096;

/** Test-only wall-clock offset (testClockOffsetFile): the largest either way, and how often its file is read. */
export const clockOffsetMsMax = 24 * 3600 * 1000;
export const clockOffsetPollMs = 100;

/** Sends coalesced into one log entry (group commit per topic / FIFO queue): at most this many messages... */
export const entryMessagesMax = 256;
/** ...and about this many bytes of bodies (a larger single message still goes, alone). */
export const entryMessageBytesMax = 1024 * 1024;

/** The stored-id filter (idempotent sends): Bloom generations of this many ids (1.25 MB each)... */
export const storedIdGenerationIdsMax = 1_000_000;
/** ...at most this many (10 MB): an id is de-duplicated for at least the next 7,000,000 stored ids. */
export const storedIdGenerationsMax = 8;

/** Bodies in one SendMessage a follower forwards for several clients (under grpcMessageBytesMax). */
export const forwardSendBytesMax = 4 * 1024 * 1024;
/** Acks in one AckMessage a follower forwards for several clients. */
export const ackEntriesMax = 1_024;
