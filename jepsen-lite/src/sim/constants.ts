// Every limit of the simulator, in one place. Units last in names.

/** Nominal interval between two ticks of a node's Raft core. */
export const tickMs = 10;
/** Per-node tick skew: a node's tick interval is tickMs ± this. */
export const tickSkewMaxMs = 2;
export const electionTicks = 10;
export const heartbeatTicks = 2;
export const electionTimeoutMs = tickMs * electionTicks;

/** Default length of the fault phase, in global steps of tickMs each. */
export const faultStepsDefault = 250;
/** After healing, a leader must commit a fresh proposal within this much simulated time. */
export const livenessBoundMs = 10 * electionTimeoutMs;
/** After that proposal, every voter must catch up with the leader within this much more. */
export const convergenceBoundMs = 10 * electionTimeoutMs;

/** One-way network delay range; differing delays are what reorders messages. */
export const netDelayMinMs = 1;
export const netDelayMaxMs = 15;
/** Latency of one fsync of appended entries (group commit: writes made meanwhile wait for the next). */
export const fsyncLatencyMinMs = 1;
export const fsyncLatencyMaxMs = 12;
/** A crashed node restarts after a delay in this range. */
export const restartDelayMinMs = 20;
export const restartDelayMaxMs = 400;
/** A paused node resumes after a delay in this range. */
export const pauseMinMs = 20;
export const pauseMaxMs = 300;
/**
 * A stalled leader's beacon thread (raft-node's leader-beacon) sends its term to every peer
 * this often, while the stall has lasted at most beaconStallMaxMs (in ticks as in raft-node:
 * 2 and 40 ticks there; 20 here, so stalls of pauseMinMs..pauseMaxMs fall on both sides).
 */
export const beaconIntervalMs = 2 * tickMs;
export const beaconStallMaxMs = 20 * tickMs;
/** A partition heals after a delay in this range. */
export const partitionMinMs = 50;
export const partitionMaxMs = 600;

/** Small segments so that segment roll-over happens within short runs. */
export const segmentBytes = 4096;
/** Client proposal payloads are unique and up to this long, so that segments fill and retention deletes some. */
export const proposalBytesMax = 200;
/** Upper bound on the events processed in one run: a runaway loop is a simulator bug. */
export const eventsPerRunMax = 400_000;
