// Limits and defaults of one broker node. Units last in names. RocketMQ's defaults unless a
// comment says why not.

export const v2PortBase = 8081;
export const metricsPortBase = 5557;
export const namesrvPortDefault = 9876;

/** Register with every NameServer this often, and at once on a leader change (RocketMQ: 30 s). */
export const registerIntervalMsDefault = 30_000;
export const namesrvCallTimeoutMs = 3_000;

export const defaultTopicQueueNums = 8;
export const messageBodyBytesMax = 4 * 1024 * 1024;
/** The gRPC server accepts a 4 MiB body plus its envelope (properties, headers). */
export const grpcMessageBytesMax = messageBodyBytesMax + 1024 * 1024;
/** Messages in one SendMessage request. */
export const sendBatchMessagesMax = 1_024;

export const transactionTimeoutMsDefault = 6_000;
export const transactionCheckIntervalMsDefault = 6_000;
export const transactionCheckMaxDefault = 15;
/** Delay / timed messages: the latest delivery time accepted, relative to now (24 h). */
export const timerDelayMsMax = 24 * 3600 * 1000;

/** A forwarded call to the leader waits at most this long for the leader's answer. */
export const forwardTimeoutMs = 10_000;
/** Forwarded calls outstanding at once per node; beyond this the node answers "too many requests". */
export const forwardInflightMax = 4_096;
