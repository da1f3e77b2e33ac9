// Limits and defaults of the protocols this package defines or adapts. Units last in names.

const KiB = 1024;
const MiB = 1024 * KiB;

// --- RocketMQ v2 (apache.rocketmq.v2.MessagingService) ---------------------------------

/** Default port of a node's v2 endpoint. */
export const v2PortDefault = 8081;
/** Largest message body a producer may send (RocketMQ's default `maxMessageSize`). */
export const messageBodyBytesMax = 4 * MiB;
/**
 * Inbound gRPC message limit of the v2 server: a maximal body plus its envelope (properties,
 * keys, system properties). gRPC's default of 4 MiB would reject a 4 MiB body.
 */
export const v2GrpcMessageBytesMax = messageBodyBytesMax + 1 * MiB;
/** The queue id the official Node.js client selects (it compares queue ids with broker id 0). */
export const v2RouteQueueId = 0;
/** The most route entries one group's leader may get (RouteToV2Options.leaderEntries). */
export const leaderEntriesMax = 16;
/** Broker id of a group's master in RocketMQ routes. */
export const masterBrokerId = 0;

// --- RocketMQ names --------------------------------------------------------------------

/** RocketMQ's rule for topic and group names: letters, digits, `%`, `|`, `_`, `-`. */
export const resourceNamePattern = /^[%|a-zA-Z0-9_-]+$/;
/** Characters in a topic name (RocketMQ's `TOPIC_MAX_LENGTH`). */
export const topicNameCharsMax = 127;
/** Characters in a cluster, broker group or node name. */
export const brokerNameCharsMax = 127;
/** Queues of one topic on one broker group (read or write). */
export const queueNumsMax = 1_024;

/** RocketMQ permission bits, as operators know them from `updateTopic -p 6`. */
export const permBits = { inherit: 1, write: 2, read: 4 } as const;
export const permReadWrite = permBits.read | permBits.write;

// --- NameServer (ledgermq.namesrv.NameServer, proto/namesrv.proto) ---------------------

/** Default port of a NameServer (RocketMQ's). */
export const namesrvPortDefault = 9876;
/** Topics in one registration (a broker with more is refused: split the cluster). */
export const topicsPerRegistrationMax = 100_000;
/** gRPC message limit of the NameServer, both ways: a registration of many topics. */
export const namesrvGrpcMessageBytesMax = 32 * MiB;
/** Characters of a host in an advertised address. */
export const hostCharsMax = 253;
