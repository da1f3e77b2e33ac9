// Constants of the cluster tier, units last in names.

/** Every listener and every connection of the harness stays on loopback. */
export const loopbackHost = '127.0.0.1';

// --- TCP proxy
/** Connections one proxy holds at once; more are refused (closed on accept). */
export const proxyConnectionsMax = 256;
/** Bytes a delayed direction may hold; beyond it the connection is closed (bounded memory). */
export const proxyDelayQueueBytesMax = 8 * 1024 * 1024;
/** Default added latency of the `delay` fault and its jitter. */
export const delayFaultMsDefault = 60;
export const delayFaultJitterMsDefault = 40;
/** Per forwarded chunk, the chance that the `loss` fault closes the connection. */
export const lossFaultCloseProbabilityDefault = 0.02;

// --- cluster
export const raftTickMsDefault = 50;
export const raftElectionTicksDefault = 10;
export const clusterStartTimeoutMs = 60_000;
export const leaderWaitTimeoutMs = 30_000;
/** One queue per topic: the official client does not expose a delivered message's queue id. */
export const topicQueueCount = 1;

// --- workload
export const topicQueue = 'JepsenQueue';
export const topicFifo = 'JepsenFifo';
export const consumerGroupQueue = 'jepsen-queue-consumers';
export const consumerGroupFifo = 'jepsen-fifo-consumers';
/** The mixed workload: one auto-created (mixed-type) topic, a FIFO consumer group. */
export const topicMixed = 'JepsenMixed';
export const consumerGroupMixed = 'jepsen-mixed-consumers';
/** Sequential sending lanes (history processes) per node. */
export const producerLanesPerNode = 2;
/** One consumer per node. */
export const consumerBatchMax = 16;
export const consumerInvisibleMs = 5_000;
export const consumerLongPollMs = 1_000;
/** Bound on one client call; beyond it the op is recorded as `info` (unknown outcome). */
export const opTimeoutMs = 8_000;
export const clientRequestTimeoutMs = 3_000;
export const clientStartupTimeoutMs = 20_000;
export const clientShutdownTimeoutMs = 3_000;
/** After an error a lane waits this long before its next op (no hot loop against a dead node). */
export const errorBackoffMs = 100;
/** Hard cap on ops per lane in one run, whatever the rate and time. */
export const laneOpsMax = 100_000;

// --- schedule
export const warmupMs = 3_000;
export const faultDurationMsDefault = 5_000;
export const calmDurationMsDefault = 5_000;
/** `kill-all` heals sooner: nothing works while it lasts. */
export const killAllDurationMs = 3_000;

// --- drain
export const drainTimeoutMsDefault = 45_000;
/** The drain ends once every acknowledged value was read and this many empty receive rounds passed. */
export const drainQuietRounds = 2;

// --- history / report
export const historyOpsMax = 2_000_000;
export const timelineBucketMs = 1_000;
export const reportListMax = 50;

// --- consumer progress sampling
/** How often the sampler reads the leader's committed consumer offsets. */
export const progressSampleIntervalMs = 100;
export const progressCallTimeoutMs = 1_000;
/** Hard cap on sampling rounds in one run. */
export const progressSamplesMax = 50_000;

// --- mixed workload
/** A delayed message may be delivered this much before its time (ms rounding of the timer). */
export const delayEarlyToleranceMs = 50;
/** Delays of the mixed workload's delay messages: min + a seq-derived share of the spread. */
export const mixedDelayMsMin = 1_000;
export const mixedDelayMsSpread = 2_000;

// --- disk, clock and membership faults
/** Log segment size of the cluster's nodes (small: tearing and corruption find a segment fast). */
export const segmentBytesCluster = 4 * 1024 * 1024;
/** power-loss: the share of power losses that also tear the last write. */
export const powerLossTearProbability = 0.5;
/** corrupt-minority: bytes flipped in the oldest segment, within its first (committed) quarter. */
export const corruptBytesCount = 4;
/** A segment must hold this much before bits are flipped in it (else the fault picks nothing). */
export const corruptSegmentBytesMin = 4 * 1024;
/** How long a restarted node may take to report itself disabled (or caught up after repair). */
export const nodeCheckTimeoutMs = 30_000;
/** How often a fault's expectation is polled (disabled node, catch-up). */
export const nodeCheckPollMs = 200;
/** How long a fault that needs the whole group healthy (corrupt-minority) waits for it. */
export const groupWaitTimeoutMs = 10_000;
/** clock-jump: the size of each jump, forwards then back (uniform in the range). */
export const clockJumpMsMin = 30_000;
export const clockJumpMsMax = 600_000;
/** membership: attempts to remove or add a node (a new leader refuses until its no-op commits). */
export const membershipAttemptsMax = 20;
export const membershipRetryMs = 250;
export const membershipCallTimeoutMs = 5_000;

// --- network namespaces (netns network)
/** Node addresses are 10.213.<k>.<i + 2>/24, the harness is 10.213.<k>.1; k picks a free /24. */
export const netnsSubnetPrefix = '10.213';
/** The values of k tried for a run's subnet (and its names lmq<k>-…). */
export const netnsSubnetMin = 1;
export const netnsSubnetMax = 250;
/** Bound on one `ip` / `nft` command. */
export const netnsCommandTimeoutMs = 5_000;
/** The `loss` fault on the netns network: per mille of every peer's packets dropped at random. */
export const lossFaultPacketPermilleNetns = 50;
