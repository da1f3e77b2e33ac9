// Fault mixes. The normal profile spreads effort over every fault; the others aim at the
// conditions a given planted bug needs before it can be observed (see the bug-catching test).

import type { RaftBugs } from '@ledgermq/raft';
import { fsyncLatencyMaxMs, netDelayMaxMs, netDelayMinMs } from './constants.ts';
import { defaultMix, type FaultMix } from './faults.ts';
import type { NetworkOptions } from './network.ts';

export interface SimProfile {
  readonly name: string;
  readonly mix: FaultMix;
  /** The network outside 'lossy' episodes. */
  readonly network: NetworkOptions;
  /** Probability that a node crashes right after granting a vote (before anything else). */
  readonly crashAfterVoteRate: number;
  /** Probability that a newly elected leader is crashed or cut off within its first milliseconds. */
  readonly newLeaderFaultRate: number;
  readonly fsyncLatencyMaxMs: number;
  /** Mean gap between client proposals and between linearizable reads. */
  readonly proposeGapMs: number;
  readonly readGapMs: number;
}

export const profiles: Readonly<Record<string, SimProfile>> = {
  normal: {
    name: 'normal',
    mix: defaultMix,
    network: { dropRate: 0.01, dupRate: 0.01, delayMinMs: netDelayMinMs, delayMaxMs: netDelayMaxMs },
    crashAfterVoteRate: 0.02,
    newLeaderFaultRate: 0.05,
    fsyncLatencyMaxMs,
    proposeGapMs: 15,
    readGapMs: 40,
  },
  /** Crashes right after votes, losing what was not fsynced. */
  'vote-crash': {
    name: 'vote-crash',
    mix: { ...defaultMix, meanGapMs: 80, weights: { crash: 3, isolate: 3, pause: 1 }, tearRate: 0 },
    network: { dropRate: 0.02, dupRate: 0.05, delayMinMs: netDelayMinMs, delayMaxMs: netDelayMaxMs },
    crashAfterVoteRate: 0.5,
    newLeaderFaultRate: 0,
    fsyncLatencyMaxMs,
    proposeGapMs: 15,
    readGapMs: 40,
  },
  /** Power loss of a majority at once while fsyncs are slow. */
  'power-loss': {
    name: 'power-loss',
    mix: { ...defaultMix, meanGapMs: 60, weights: { 'crash-many': 4, crash: 1 }, tearRate: 0.3, downMaxMs: 60 },
    network: { dropRate: 0, dupRate: 0, delayMinMs: 1, delayMaxMs: 3 },
    crashAfterVoteRate: 0,
    newLeaderFaultRate: 0,
    fsyncLatencyMaxMs: 40,
    proposeGapMs: 3,
    readGapMs: 1000,
  },
  /** Long isolations of the leader, with reads aimed at whoever claims to lead. */
  'stale-leader': {
    name: 'stale-leader',
    mix: { ...defaultMix, meanGapMs: 300, weights: { isolate: 1 }, partitionMaxMs: 1200 },
    network: { dropRate: 0, dupRate: 0, delayMinMs: netDelayMinMs, delayMaxMs: netDelayMaxMs },
    crashAfterVoteRate: 0,
    newLeaderFaultRate: 0,
    fsyncLatencyMaxMs,
    proposeGapMs: 10,
    readGapMs: 10,
  },
  /**
   * Stalled leaders whose beacon thread vouches for them (for up to beaconStallMaxMs), mixed
   * with cut links and loss: a follower kept loyal by beacons must still elect once they stop,
   * and a deposed leader's beacons must hold back nobody.
   */
  stall: {
    name: 'stall',
    mix: { ...defaultMix, meanGapMs: 100, weights: { stall: 4, isolate: 2, 'one-way': 2, lossy: 1, transfer: 1, crash: 1 } },
    network: { dropRate: 0.02, dupRate: 0.02, delayMinMs: netDelayMinMs, delayMaxMs: netDelayMaxMs },
    crashAfterVoteRate: 0,
    newLeaderFaultRate: 0,
    fsyncLatencyMaxMs,
    proposeGapMs: 10,
    readGapMs: 20,
  },
  /**
   * Membership changes under crashes and cuts: a removed node that has not heard its removal
   * committed may still win an election, then remove itself; power loss takes back the commit
   * hints that told a node it was a voter again.
   */
  membership: {
    name: 'membership',
    mix: { ...defaultMix, meanGapMs: 60, weights: { 'remove-add': 4, crash: 2, 'crash-many': 2, isolate: 2, transfer: 1, lossy: 1 }, tearRate: 0, downMaxMs: 150, partitionMaxMs: 300 },
    network: { dropRate: 0.01, dupRate: 0.01, delayMinMs: netDelayMinMs, delayMaxMs: netDelayMaxMs },
    crashAfterVoteRate: 0.05,
    newLeaderFaultRate: 0.1,
    fsyncLatencyMaxMs,
    proposeGapMs: 10,
    readGapMs: 100,
  },
  /** Leader churn with partial replication: the figure-8 shape. */
  churn: {
    name: 'churn',
    mix: { ...defaultMix, meanGapMs: 40, weights: { crash: 3, isolate: 4, split: 1 }, tearRate: 0, downMaxMs: 100, partitionMaxMs: 250 },
    network: { dropRate: 0, dupRate: 0, delayMinMs: 1, delayMaxMs: 4 },
    crashAfterVoteRate: 0,
    newLeaderFaultRate: 0.6,
    fsyncLatencyMaxMs: 40,
    proposeGapMs: 5,
    readGapMs: 1000,
  },
  /** Heavy duplication and reordering: stale appends arrive late. */
  'stale-appends': {
    name: 'stale-appends',
    mix: { ...defaultMix, meanGapMs: 200, weights: { isolate: 1, crash: 1 } },
    network: { dropRate: 0, dupRate: 0.1, delayMinMs: 1, delayMaxMs: 40 },
    crashAfterVoteRate: 0,
    newLeaderFaultRate: 0,
    fsyncLatencyMaxMs,
    proposeGapMs: 5,
    readGapMs: 1000,
  },
};

/** The core's planted bugs the simulator hunts (the cluster tier's ackBeforeCommit, readUncommitted and skipNoOp are hunted on real processes: src/cluster/planted-bugs.ts). */
export type BugName = Exclude<keyof RaftBugs, 'ackBeforeCommit' | 'readUncommitted' | 'skipNoOp'>;

export const bugNames: readonly BugName[] = ['commitEarlierTerms', 'skipVotePersist', 'disableCheckQuorum', 'ackBeforeFsync', 'truncateCommitted'];

/** The profile a planted bug is hunted with (so `--bug NAME` alone replays a seed). */
export const profileForBug: Readonly<Record<BugName, string>> = {
  commitEarlierTerms: 'churn',
  skipVotePersist: 'vote-crash',
  disableCheckQuorum: 'stale-leader',
  ackBeforeFsync: 'power-loss',
  truncateCommitted: 'stale-appends',
};
