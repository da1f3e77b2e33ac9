// The contract between the pure core and whoever drives it (the node runtime, the simulator).
//
// Driving loop:
//   1. feed inputs: raft.tick(), raft.step(msg), raft.propose(data), raft.persisted(i, t), ...
//   2. if raft.hasReady(): const rd = raft.ready()
//   3. persist rd.hardState if not null (fsynced when rd.mustSync; a change of the commit
//      index alone may be saved lazily, as a hint), install rd.snapshot if not null,
//      append rd.entries (truncating the log from rd.entries[0].index),
//   4. send rd.messages (only after step 3's hardState and snapshot are durable),
//   5. apply rd.committed to the state machine, in order,
//   6. raft.advance(rd)
//   7. whenever an fsync of appended entries returns: raft.persisted(lastIndex, lastTerm).
//      Only then do those entries count toward the quorum (leader) or get acknowledged
//      (follower). Writing entries and fsyncing them may be asynchronous and batched
//      (group commit); hardState must be durable before step 4.

import type { Entry, HardState, Message, NodeId, RaftRole, Snapshot, ConfState } from './types.ts';

export interface Ready {
  /** Non-null when term, vote or commit hint changed, or when `mustSync` asks for it again. */
  readonly hardState: HardState | null;
  /**
   * `hardState` must be durable (fsynced) before `messages` leave: term or vote changed, or a
   * membership change took effect (a node must not forget a committed membership; the commit
   * hint alone may be lost by a power loss). False: the commit index alone moved.
   */
  readonly mustSync: boolean;
  /** Non-null when a snapshot from the leader must be installed (replacing the log). */
  readonly snapshot: Snapshot | null;
  /** To append; if entries[0].index <= the log's last index, the log is truncated there first. */
  readonly entries: readonly Entry[];
  /** To send once hardState/snapshot are durable. */
  readonly messages: readonly Message[];
  /** Newly committed entries, in order, to apply. Never includes an entry not yet persisted locally. */
  readonly committed: readonly Entry[];
}

export interface RaftStatus {
  readonly id: NodeId;
  readonly role: RaftRole;
  readonly term: number;
  readonly vote: NodeId | null;
  readonly leader: NodeId | null;
  readonly commit: number;
  readonly applied: number;
  readonly lastIndex: number;
  readonly persistedIndex: number;
  readonly conf: ConfState;
  /** Leader only: each follower's match and next index. */
  readonly progress: Readonly<Record<NodeId, { match: number; next: number; inflight: number; snapshotting: boolean }>>;
  readonly transferee: NodeId | null;
  /** True when the node refuses to vote or lead (e.g. its log failed checksums at start). */
  readonly disabled: boolean;
}

export interface RaftConfig {
  readonly id: NodeId;
  /** Voters used when neither the log nor a snapshot says otherwise (a fresh group). */
  readonly initialVoters: readonly NodeId[];
  readonly storage: import('./types.ts').LogStorage;
  readonly hardState: HardState;
  /** Index already applied by the state machine (entries up to it are not returned again). */
  readonly applied: number;
  /** Voters as of `applied` (recorded by the state machine with its applied index); null = derive from snapshot / initialVoters. */
  readonly conf?: ConfState | null;
  /** Returns a float in [0, 1): the only source of randomness (randomized election timeout). */
  readonly random: () => number;
  readonly electionTicks?: number;
  readonly heartbeatTicks?: number;
  readonly preVote?: boolean;
  readonly checkQuorum?: boolean;
  /** The node must not vote or lead (corrupted committed log). */
  readonly disabled?: boolean;
  /** Test-only switches that plant classic bugs, so the simulator can show it catches them. */
  readonly bugs?: Partial<RaftBugs>;
}

export interface RaftBugs {
  /** Count entries of earlier terms toward commit by replica counting (Raft paper fig. 8). */
  commitEarlierTerms: boolean;
  /** Grant votes without asking for the vote to be persisted first. */
  skipVotePersist: boolean;
  /** Leader never steps down for lack of a quorum (ignores checkQuorum). */
  disableCheckQuorum: boolean;
  /** Count the leader's own entries (and acknowledge followers' appends) before fsync. */
  ackBeforeFsync: boolean;
  /** Followers truncate on any Append, even below their commit index. */
  truncateCommitted: boolean;
  /** The leader commits (and so acknowledges) an entry once its own copy is durable: a quorum of one. */
  ackBeforeCommit: boolean;
  /** Entries are handed out for applying once appended here, before they are committed. */
  readUncommitted: boolean;
  /** A new leader appends no no-op and reports a read index at once (before an entry of its term commits). */
  skipNoOp: boolean;
}
