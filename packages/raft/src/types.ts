// The vocabulary shared by the Raft core, the ledger, the transport and the simulator.
// Everything here is plain data: no classes with behaviour, no I/O.

export type NodeId = string;

/** Raft-level entry kinds. What an application stores in `data` is opaque to Raft. */
export const EntryType = {
  /** Application payload (a message, a batch of messages, a state command). */
  Normal: 0,
  /** Appended by every new leader; commits earlier terms' entries through the current term. */
  NoOp: 1,
  /** Single-server membership change; `data` is an encoded ConfChange (see conf-change.ts). */
  ConfChange: 2,
} as const;
export type EntryType = (typeof EntryType)[keyof typeof EntryType];

export interface Entry {
  readonly index: number;
  readonly term: number;
  readonly type: EntryType;
  readonly data: Uint8Array;
}

/** Durable per-node state. Must be fsynced before any message that depends on it leaves. */
export interface HardState {
  readonly term: number;
  readonly vote: NodeId | null;
  /** A hint only: the commit index known when last saved. Never trusted beyond the log. */
  readonly commit: number;
}

/** The voters in force, as carried by ConfChange entries and snapshots. */
export interface ConfState {
  readonly voters: readonly NodeId[];
}

export const ConfChangeType = { AddNode: 0, RemoveNode: 1 } as const;
export type ConfChangeType = (typeof ConfChangeType)[keyof typeof ConfChangeType];

export interface ConfChange {
  readonly type: ConfChangeType;
  readonly node: NodeId;
}

/** What a snapshot covers. `data` (the state machines' contents) is opaque to Raft. */
export interface SnapshotMeta {
  readonly index: number;
  readonly term: number;
  readonly conf: ConfState;
}

export interface Snapshot {
  readonly meta: SnapshotMeta;
  readonly data: Uint8Array;
}

export const MessageType = {
  PreVote: 0,
  PreVoteResp: 1,
  Vote: 2,
  VoteResp: 3,
  /** Append entries (also the heartbeat when `entries` is empty). */
  Append: 4,
  AppendResp: 5,
  Snapshot: 6,
  /** Leader asks the transferee to start an election at once (leadership transfer). */
  TimeoutNow: 7,
  /** A follower forwards a leadership-transfer request to its leader. */
  TransferLeader: 8,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/**
 * One Raft message. A flat shape (not a union) keeps the codec and the simulator simple;
 * fields a type does not use are 0 / empty.
 */
export interface Message {
  readonly type: MessageType;
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
  /** Append: index of the entry before `entries`. AppendResp: the follower's match (or hint) index. Vote: candidate's last index. */
  readonly index: number;
  /** Append: term at `index`. AppendResp (reject): the term at the hint. Vote: candidate's last term. */
  readonly logTerm: number;
  readonly entries: readonly Entry[];
  /** Append: leader's commit index. */
  readonly commit: number;
  /** Responses: true when the request was refused. */
  readonly reject: boolean;
  /** AppendResp (reject): the follower's hint for where the divergence search continues. */
  readonly rejectHint: number;
  readonly snapshot: Snapshot | null;
  /** Vote / PreVote carried out because of a leadership transfer (ignores the leader lease). */
  readonly transfer: boolean;
}

/**
 * Read access to the durable log, provided by the ledger (or any other storage).
 * Synchronous on purpose: the core calls it inside `step`, and the ledger serves it from
 * its in-memory index and entry cache (and from disk when a follower lags far behind).
 */
export interface LogStorage {
  /** First index still held (entries before it were compacted into a snapshot). */
  firstIndex(): number;
  /** Last index held (written, not necessarily fsynced). firstIndex()-1 when empty. */
  lastIndex(): number;
  /** Term of the entry at `index`; for firstIndex()-1 the snapshot's term; undefined outside. */
  term(index: number): number | undefined;
  /** Entries [lo, hi), at least one if lo < hi, stopping once `bytesMax` of data is reached. */
  entries(lo: number, hi: number, bytesMax: number): Entry[];
  /** The snapshot covering everything before firstIndex(); null if the log starts at 1 with no snapshot. */
  snapshot(): Snapshot | null;
}

export const RaftRole = {
  Follower: 'follower',
  PreCandidate: 'pre-candidate',
  Candidate: 'candidate',
  Leader: 'leader',
} as const;
export type RaftRole = (typeof RaftRole)[keyof typeof RaftRole];
