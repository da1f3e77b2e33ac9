// Limits and defaults of one Raft node's runtime. Units last in names.

/** One Raft tick. Election timeout = electionTicks * tickMs, randomized up to twice that. */
export const tickMsDefault = 50;
export const electionTicksDefault = 10;
export const heartbeatTicksDefault = 1;

/**
 * The leader beacon (leader-beacon/): its thread tells each follower "alive in term T" this
 * often, while the main loop has ticked within beaconStallMaxMs. A loop stalled longer than
 * that is taken for wedged: the beacons stop and the followers elect another leader after
 * their election timeout, so a wedged leader costs about 2 s more than a dead one.
 */
export const beaconIntervalMs = 100;
export const beaconStallMaxMs = 2_000;
/** A beacon not answered within this time is abandoned (one in flight per follower). */
export const beaconTimeoutMs = 1_000;

/** Proposals waiting for their commit; beyond this the node answers "busy" (retriable). */
export const pendingProposalsMax = 65_536;
/** A proposal not committed within this time is answered with an ambiguous-outcome error. */
export const proposalTimeoutMs = 10_000;
/** Payloads in one admin Propose frame. */
export const proposeBatchMax = 4_096;

/** The commit hint in the hard state is saved at most this often (it is a hint, not a promise). */
export const commitHintSaveIntervalMs = 1_000;
/** The state machine checkpoints its applied state at most this often. */
export const stateCheckpointIntervalMs = 1_000;

export const segmentBytesDefault = 1024 * 1024 * 1024;
/** Retention defaults, as RocketMQ's fileReservedTime (72 h). */
export const retentionMaxAgeMsDefault = 72 * 3600 * 1000;
export const retentionCheckIntervalMs = 10_000;

export const peerPortBase = 40911;
export const adminPortBase = 40811;

/** Status lines the `start` command prints are polled this often. */
export const statusPollMs = 250;

/** Distinct failure causes a benchmark's open loop tells apart; the rest are counted as 'other'. */
export const failureCausesMax = 8;
