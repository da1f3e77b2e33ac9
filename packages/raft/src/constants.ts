// Every limit of the Raft core, named once. Units come last in the names.

/** Election timeout, in ticks; each node draws its own timeout in [electionTicks, 2 * electionTicks). */
export const electionTicksDefault = 10;
/** A leader sends heartbeats every this many ticks. */
export const heartbeatTicksDefault = 1;

/** Unacknowledged Append batches in flight per follower in the replicate state. */
export const inflightBatchesMax = 16;
/** Entry data bytes per Append message (always at least one entry). */
export const batchBytesMax = 1024 * 1024;
/** Uncommitted entries in the leader's log beyond which `propose` answers BusyError. */
export const pendingProposalsMax = 16_384;
/** Largest data of a single entry: a 4 MiB message body plus room for its headers. */
export const entryBytesMax = 4 * 1024 * 1024 + 64 * 1024;
/** Entry data bytes handed out in one `Ready.committed` (always at least one entry). */
export const committedBatchBytesMax = 8 * 1024 * 1024;

/** Heartbeat answers without progress, while batches are in flight, before falling back to probing (lost appends). */
export const replicateStallHeartbeatsMax = 4;
/** A snapshot not acknowledged within this many election timeouts is sent again. */
export const snapshotRetryElectionTimeouts = 2;
/** Entry data bytes read per storage call when scanning the log for conf changes at start-up. */
export const confScanBytesMax = 4 * 1024 * 1024;
/** Longest node id accepted in a ConfChange or TransferLeader payload. */
export const nodeIdBytesMax = 256;
