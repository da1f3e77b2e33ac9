// Limits and defaults of the peer transport. Units last in names.
// Every length read off the wire is checked against one of these before it is trusted.

const KiB = 1024;
const MiB = 1024 * KiB;

/** Version byte at the start of every encoded batch; a receiver refuses any other. */
export const codecVersion = 1;

/** One entry's data: a 4 MiB message body plus room for its properties and framing. */
export const entryBytesMax = 4 * MiB + 64 * KiB;
/** Sanity bound on entries in one message (each costs at least an entry header anyway). */
export const entriesPerMessageMax = 262_144;
/** Messages coalesced into one batch. */
export const messagesPerBatchMax = 16_384;
/** UTF-8 bytes of one node id. */
export const nodeIdBytesMax = 255;
/** Voters listed in a snapshot's configuration. */
export const votersMax = 255;

/**
 * One gRPC Frame's payload. Coalesced batches stay under it; a single message that is
 * larger (a snapshot) is split into chunks of this size. It is large enough that an Append
 * carrying one maximal entry never needs chunking.
 */
export const frameBytesMax = 8 * MiB;
/** A snapshot's data (the state machines' dump) as carried by one Snapshot message. */
export const snapshotBytesMax = 48 * MiB;
/** One encoded batch, after reassembly of its chunks: bounds receiver memory per stream. */
export const batchBytesMax = 64 * MiB;

/** Messages waiting for one peer; beyond it the oldest Appends are dropped. */
export const peerQueueBytesMax = 64 * MiB;
/** Bytes handed to one peer's gRPC stream whose write has not completed yet. */
export const streamInflightBytesMax = 16 * MiB;

/** Reconnect backoff: doubles from initial to max, with jitter. */
export const reconnectBackoffInitialMs = 50;
export const reconnectBackoffMaxMs = 2_000;
/** A stream the peer has not accepted within this time is abandoned (peer paused or wedged). */
export const connectTimeoutMs = 3_000;

/** HTTP/2 keepalive pings detect a dead or paused peer on an otherwise idle connection. */
export const keepaliveTimeMs = 5_000;
export const keepaliveTimeoutMs = 5_000;
/** HTTP/2 flow-control window: a bigger one keeps a fast link busy between window updates. */
export const flowControlWindowBytes = 16 * MiB;

/** Slack over frameBytesMax for the protobuf envelope of a Frame. */
export const grpcMessageBytesMax = frameBytesMax + 64 * KiB;

/** Node ids cached with their UTF-8 encoding by the encoder (cleared when full). */
export const nodeIdCacheMax = 1_024;
