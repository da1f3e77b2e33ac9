// The Raft core: a deterministic state machine. The caller feeds ticks, messages, proposals and
// fsync completions; it reads back, through ready(), what to persist, send and apply.
// See ready.ts for the driver contract and README.md for the rules this code follows.

import { assert } from './assert.ts';
import { decodeConfChange, encodeConfChange } from './conf-change.ts';
import {
  batchBytesMax,
  committedBatchBytesMax,
  confScanBytesMax,
  electionTicksDefault,
  entryBytesMax,
  heartbeatTicksDefault,
  inflightBatchesMax,
  pendingProposalsMax,
  replicateStallHeartbeatsMax,
  snapshotRetryElectionTimeouts,
} from './constants.ts';
import { BusyError, EntryTooLargeError, InvalidConfChangeError, NotLeaderError, NotVoterError } from './errors.ts';
import { decodeTransferee, messageFrom, transfereeEntry, validateMessage, type MessageFields } from './message.ts';
import { Progress, ProgressState } from './progress.ts';
import { RaftLog } from './raft-log.ts';
import type { RaftBugs, RaftConfig, RaftStatus, Ready } from './ready.ts';
import {
  ConfChangeType,
  EntryType,
  MessageType,
  RaftRole,
  type ConfChange,
  type Entry,
  type HardState,
  type Message,
  type NodeId,
  type Snapshot,
} from './types.ts';

const noBugs: RaftBugs = {
  commitEarlierTerms: false,
  skipVotePersist: false,
  disableCheckQuorum: false,
  ackBeforeFsync: false,
  truncateCommitted: false,
  ackBeforeCommit: false,
  readUncommitted: false,
  skipNoOp: false,
};

type CampaignKind = 'pre-vote' | 'vote' | 'transfer';

export class Raft {
  private readonly id: NodeId;
  private readonly electionTicks: number;
  private readonly heartbeatTicks: number;
  private readonly preVote: boolean;
  private readonly checkQuorum: boolean;
  private readonly disabled: boolean;
  private readonly bugs: RaftBugs;
  private readonly random: () => number;
  private readonly log: RaftLog;

  private term: number;
  private vote: NodeId | null;
  private role: RaftRole = RaftRole.Follower;
  private leader: NodeId | null = null;
  private commit: number;
  /** Highest index handed out in Ready.committed (or by a snapshot). */
  private applying: number;
  /** Highest index the driver confirmed applied via advance(). */
  private applied: number;
  /** Voters in force: the latest committed conf change. */
  private voters: NodeId[];
  /** Indexes of ConfChange entries in the log above the commit index, ascending. */
  private confIndexes: number[] = [];

  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  private readonly votes = new Map<NodeId, boolean>();
  private readonly progress = new Map<NodeId, Progress>();
  private transferee: NodeId | null = null;
  private transferElapsed = 0;
  /** Follower: the success AppendResp waiting for the entries to be fsynced. */
  private pendingAck: { to: NodeId; term: number; index: number } | null = null;

  private msgs: Message[] = [];
  private prevHardState: HardState;
  /** A membership change took effect since the last Ready: its hard state must be fsynced. */
  private confSyncWanted = false;

  constructor(cfg: RaftConfig) {
    assert(typeof cfg.id === 'string' && cfg.id.length > 0, 'config id must be a non-empty string');
    this.id = cfg.id;
    this.electionTicks = cfg.electionTicks ?? electionTicksDefault;
    this.heartbeatTicks = cfg.heartbeatTicks ?? heartbeatTicksDefault;
    assert(Number.isSafeInteger(this.electionTicks) && this.electionTicks >= 2, 'electionTicks must be >= 2');
    assert(Number.isSafeInteger(this.heartbeatTicks) && this.heartbeatTicks >= 1, 'heartbeatTicks must be >= 1');
    assert(this.heartbeatTicks < this.electionTicks, 'heartbeatTicks must be below electionTicks');
    this.preVote = cfg.preVote ?? true;
    this.checkQuorum = cfg.checkQuorum ?? true;
    this.disabled = cfg.disabled ?? false;
    this.bugs = { ...noBugs, ...cfg.bugs };
    this.random = cfg.random;
    this.log = new RaftLog(cfg.storage);

    const hs = cfg.hardState;
    this.term = hs.term;
    this.vote = hs.vote;
    this.prevHardState = hs;
    const first = this.log.firstIndex();
    const last = this.log.lastIndex();
    assert(cfg.applied >= first - 1 && cfg.applied <= last, `applied ${cfg.applied} outside the log [${first - 1}, ${last}]`);
    this.applied = cfg.applied;
    this.applying = cfg.applied;
    // The commit hint is trusted only as far as the log goes.
    this.commit = Math.max(cfg.applied, Math.min(hs.commit, last));

    const snap = cfg.storage.snapshot();
    let base: number;
    if (cfg.conf) {
      this.voters = [...cfg.conf.voters];
      base = cfg.applied;
    } else if (snap !== null) {
      this.voters = [...snap.meta.conf.voters];
      base = snap.meta.index;
    } else {
      this.voters = [...cfg.initialVoters];
      base = 0;
    }
    this.scanConfEntries(Math.max(base, first - 1) + 1, last);
    this.applyCommittedConf();
    this.becomeFollower(this.term, null);
  }

  // ---------------------------------------------------------------- inputs

  tick(): void {
    if (this.role === RaftRole.Leader) this.tickLeader();
    else this.tickElection();
  }

  step(m: Message): void {
    validateMessage(m);
    if (m.to !== this.id || m.from === this.id) return;
    if (m.term > this.term) {
      if (!this.onHigherTerm(m)) return;
    } else if (m.term < this.term) {
      this.onLowerTerm(m);
      return;
    }
    if (m.type === MessageType.Vote || m.type === MessageType.PreVote) {
      this.handleVoteRequest(m);
      return;
    }
    switch (this.role) {
      case RaftRole.Leader:
        this.stepLeader(m);
        return;
      case RaftRole.Follower:
        this.stepFollower(m);
        return;
      case RaftRole.PreCandidate:
      case RaftRole.Candidate:
        this.stepCandidate(m);
        return;
    }
  }

  /**
   * The leader `from` of `term` says it is alive through a side channel (its liveness beacon),
   * not through an Append: a follower of that leader in that term restarts its election timer.
   * This only postpones an election; it changes no log, term or vote, so safety never rests on
   * it. Anything else (another term, another node, a node not following) is ignored: false.
   */
  leaderAlive(from: NodeId, term: number): boolean {
    assert(typeof from === 'string' && Number.isSafeInteger(term) && term >= 0, 'leaderAlive(from, term)');
    if (this.role !== RaftRole.Follower || term !== this.term || this.leader !== from) return false;
    this.electionElapsed = 0;
    return true;
  }

  propose(data: Uint8Array): { index: number; term: number } {
    assert(data instanceof Uint8Array, 'proposal data must be bytes');
    this.checkCanPropose();
    if (data.length > entryBytesMax) throw new EntryTooLargeError(data.length, entryBytesMax);
    return this.appendAndReplicate(EntryType.Normal, data);
  }

  proposeConfChange(cc: ConfChange): { index: number; term: number } {
    this.checkCanPropose();
    if (this.confIndexes.length > 0) throw new BusyError('another membership change is not committed yet');
    if (this.log.term(this.commit) !== this.term) throw new BusyError("the new leader's no-op is not committed yet");
    const has = this.voters.includes(cc.node);
    if (cc.type === ConfChangeType.AddNode && has) throw new InvalidConfChangeError(`${cc.node} is already a voter`);
    if (cc.type === ConfChangeType.RemoveNode && !has) throw new InvalidConfChangeError(`${cc.node} is not a voter`);
    if (cc.type === ConfChangeType.RemoveNode && this.voters.length === 1) {
      throw new InvalidConfChangeError('cannot remove the last voter');
    }
    return this.appendAndReplicate(EntryType.ConfChange, encodeConfChange(cc));
  }

  transferLeadership(to: NodeId): void {
    if (this.role !== RaftRole.Leader) {
      if (this.leader === null) throw new NotLeaderError(null);
      this.send({ type: MessageType.TransferLeader, to: this.leader, entries: [transfereeEntry(to)] });
      return;
    }
    if (!this.voters.includes(to)) throw new NotVoterError(to);
    if (to === this.id) {
      this.transferee = null;
      return;
    }
    if (this.transferee === to) return;
    this.transferee = to;
    this.transferElapsed = 0;
    const pr = this.progress.get(to);
    assert(pr !== undefined, `no progress for voter ${to}`);
    if (pr.match === this.log.lastIndex()) this.send({ type: MessageType.TimeoutNow, to });
    else this.sendAppends(to);
  }

  readIndex(): number | null {
    if (this.role !== RaftRole.Leader) return null;
    // Planted bug skipNoOp: serve at once, before anything of this term committed (stale state).
    if (this.bugs.skipNoOp) return this.commit;
    return this.log.term(this.commit) === this.term ? this.commit : null;
  }

  persisted(index: number, term: number): void {
    assert(Number.isSafeInteger(index) && index >= 0 && Number.isSafeInteger(term) && term >= 0, 'persisted(index, term)');
    if (!this.log.stableTo(index, term)) return;
    // A committed membership change waits for its entry to be durable here (applyCommittedConf).
    this.applyCommittedConf();
    if (this.role === RaftRole.Leader) {
      if (this.maybeCommit()) this.broadcastCommit();
    } else {
      this.flushPendingAck();
    }
  }

  // ---------------------------------------------------------------- outputs

  hasReady(): boolean {
    return (
      this.msgs.length > 0 ||
      this.hardStateChanged() ||
      this.confSyncWanted ||
      this.log.hasUnhanded() ||
      this.committedLimit() > this.applying
    );
  }

  ready(): Ready {
    let hardState: HardState | null = null;
    let mustSync = false;
    if (this.hardStateChanged() || this.confSyncWanted) {
      hardState = this.reportedHardState();
      mustSync = this.confSyncWanted || hardState.term !== this.prevHardState.term || hardState.vote !== this.prevHardState.vote;
      this.prevHardState = hardState;
      this.confSyncWanted = false;
    }
    const snapshot = this.log.takeSnapshot();
    if (snapshot !== null) this.applying = Math.max(this.applying, snapshot.meta.index);
    const entries = this.log.takeEntries();
    const messages = this.msgs;
    this.msgs = [];
    let committed: Entry[] = [];
    const hi = this.committedLimit();
    if (hi > this.applying) {
      committed = this.log.entries(this.applying + 1, hi + 1, committedBatchBytesMax);
      this.applying = committed[committed.length - 1]?.index ?? this.applying;
    }
    return { hardState, mustSync, snapshot, entries, messages, committed };
  }

  advance(rd: Ready): void {
    if (rd.snapshot !== null) this.applied = Math.max(this.applied, rd.snapshot.meta.index);
    const last = rd.committed[rd.committed.length - 1];
    if (last !== undefined) this.applied = Math.max(this.applied, last.index);
    assert(this.applied <= this.applying, `applied ${this.applied} beyond what was handed out (${this.applying})`);
  }

  // Cheap reads of single fields, for callers on a hot path (status() builds a whole report).
  currentTerm(): number {
    return this.term;
  }

  currentRole(): RaftRole {
    return this.role;
  }

  currentLeader(): NodeId | null {
    return this.leader;
  }

  /** Whether `id` (this node by default) is a voter of the configuration in force here. */
  isVoter(id: NodeId = this.id): boolean {
    return this.voters.includes(id);
  }

  /** The voters of the configuration in force here. */
  currentVoters(): readonly NodeId[] {
    return [...this.voters];
  }

  commitIndex(): number {
    return this.commit;
  }

  appliedIndex(): number {
    return this.applied;
  }

  status(): RaftStatus {
    const progress: Record<NodeId, { match: number; next: number; inflight: number; snapshotting: boolean }> = {};
    for (const [id, pr] of this.progress) {
      progress[id] = {
        match: pr.match,
        next: pr.next,
        inflight: pr.inflights.length,
        snapshotting: pr.state === ProgressState.Snapshot,
      };
    }
    return {
      id: this.id,
      role: this.role,
      term: this.term,
      vote: this.vote,
      leader: this.leader,
      commit: this.commit,
      applied: this.applied,
      lastIndex: this.log.lastIndex(),
      persistedIndex: this.log.persistedIndex,
      conf: { voters: [...this.voters] },
      progress,
      transferee: this.transferee,
      disabled: this.disabled,
    };
  }

  // ---------------------------------------------------------------- roles

  private becomeFollower(term: number, leader: NodeId | null): void {
    assert(term >= this.term, `term going back from ${this.term} to ${term}`);
    if (term !== this.term) {
      this.term = term;
      this.vote = null;
    }
    if (leader !== this.leader || this.role !== RaftRole.Follower) this.pendingAck = null;
    this.role = RaftRole.Follower;
    this.leader = leader;
    this.resetTimers();
  }

  private becomePreCandidate(): void {
    assert(this.role !== RaftRole.Leader, 'a leader does not pre-campaign');
    // The term and the vote stay as they are: a pre-vote changes no durable state.
    this.role = RaftRole.PreCandidate;
    this.leader = null;
    this.resetTimers();
  }

  private becomeCandidate(): void {
    assert(this.role !== RaftRole.Leader, 'a leader does not campaign');
    this.term += 1;
    this.vote = this.id;
    this.role = RaftRole.Candidate;
    this.leader = null;
    this.resetTimers();
  }

  private becomeLeader(): void {
    assert(this.role === RaftRole.Candidate, `only a candidate becomes leader (was ${this.role})`);
    this.role = RaftRole.Leader;
    this.leader = this.id;
    this.resetTimers();
    const next = this.log.lastIndex() + 1;
    for (const v of this.voters) if (v !== this.id) this.progress.set(v, new Progress(next));
    // The no-op lets the new leader commit earlier terms' entries through one of its own term.
    if (!this.bugs.skipNoOp) this.appendAndReplicate(EntryType.NoOp, new Uint8Array(0));
    else for (const id of this.progress.keys()) this.sendAppends(id); // still probe the followers
  }

  private resetTimers(): void {
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.votes.clear();
    this.progress.clear();
    this.transferee = null;
    this.transferElapsed = 0;
    const r = this.random();
    assert(r >= 0 && r < 1, `random() returned ${r}, outside [0, 1)`);
    this.randomizedElectionTimeout = this.electionTicks + Math.floor(r * this.electionTicks);
  }

  private promotable(): boolean {
    return !this.disabled && this.isVoter();
  }

  // ---------------------------------------------------------------- ticks

  private tickElection(): void {
    this.electionElapsed += 1;
    if (this.electionElapsed < this.randomizedElectionTimeout) return;
    this.electionElapsed = 0;
    if (this.promotable()) this.campaign(this.preVote ? 'pre-vote' : 'vote');
  }

  private tickLeader(): void {
    this.heartbeatElapsed += 1;
    this.electionElapsed += 1;
    if (this.transferee !== null) {
      this.transferElapsed += 1;
      // A transfer that did not finish within an election timeout is abandoned: accept writes again.
      if (this.transferElapsed >= this.electionTicks) this.transferee = null;
    }
    this.tickSnapshots();
    if (this.electionElapsed >= this.electionTicks) {
      this.electionElapsed = 0;
      if (this.checkQuorum && !this.bugs.disableCheckQuorum && !this.quorumActive()) {
        this.becomeFollower(this.term, null);
        return;
      }
      for (const pr of this.progress.values()) pr.recentActive = false;
    }
    if (this.heartbeatElapsed >= this.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      for (const [id, pr] of this.progress) {
        this.detectLostBatches(id, pr);
        this.sendHeartbeat(id);
      }
    }
  }

  /**
   * Batches in flight and no progress for replicateStallHeartbeatsMax heartbeat rounds: they
   * were lost (a dropped stream, a peer queue that overflowed) or the follower is down. Probe
   * it from its match, which re-sends what it lacks once it answers. Counted in rounds, not in
   * answers: answers to heartbeats sent on every commit arrive while batches are still being
   * fsynced, and counting those falsely re-sent the whole window under load.
   */
  private detectLostBatches(id: NodeId, pr: Progress): void {
    if (pr.state !== ProgressState.Replicate || pr.inflights.length === 0) return;
    pr.stalledHeartbeats += 1;
    if (pr.stalledHeartbeats < replicateStallHeartbeatsMax) return;
    pr.becomeProbe();
    this.sendAppends(id);
  }

  private tickSnapshots(): void {
    const retryTicks = snapshotRetryElectionTimeouts * this.electionTicks;
    for (const [id, pr] of this.progress) {
      if (pr.state !== ProgressState.Snapshot) continue;
      pr.snapshotElapsedTicks += 1;
      // The snapshot (or its answer) was lost: probe again now, which re-sends it if still needed.
      if (pr.snapshotElapsedTicks >= retryTicks) {
        pr.pendingSnapshot = 0;
        pr.becomeProbe();
        this.sendAppends(id);
      }
    }
  }

  private quorumActive(): boolean {
    let active = 0;
    for (const v of this.voters) {
      if (v === this.id || this.progress.get(v)?.recentActive === true) active += 1;
    }
    return active >= this.quorum();
  }

  private quorum(): number {
    return Math.floor(this.voters.length / 2) + 1;
  }

  // ---------------------------------------------------------------- elections

  private campaign(kind: CampaignKind): void {
    assert(this.promotable(), 'campaign by a node that may not lead');
    let type: MessageType;
    let voteTerm: number;
    if (kind === 'pre-vote') {
      this.becomePreCandidate();
      type = MessageType.PreVote;
      voteTerm = this.term + 1;
    } else {
      this.becomeCandidate();
      type = MessageType.Vote;
      voteTerm = this.term;
    }
    if (this.recordVote(this.id, true) === 'won') {
      this.onElectionWon();
      return;
    }
    const index = this.log.lastIndex();
    const logTerm = this.log.lastTerm();
    for (const v of this.voters) {
      if (v === this.id) continue;
      this.send({ type, to: v, term: voteTerm, index, logTerm, transfer: kind === 'transfer' });
    }
  }

  private onElectionWon(): void {
    if (this.role === RaftRole.PreCandidate) this.campaign('vote');
    else this.becomeLeader();
  }

  private recordVote(from: NodeId, granted: boolean): 'won' | 'lost' | 'pending' {
    if (this.voters.includes(from) && !this.votes.has(from)) this.votes.set(from, granted);
    let yes = 0;
    let no = 0;
    for (const g of this.votes.values()) {
      if (g) yes += 1;
      else no += 1;
    }
    if (yes >= this.quorum()) return 'won';
    if (no >= this.quorum()) return 'lost';
    return 'pending';
  }

  /** Returns true when the message should still be processed after adopting its term. */
  private onHigherTerm(m: Message): boolean {
    if (m.type === MessageType.Vote || m.type === MessageType.PreVote) {
      // Leader stickiness: while we hear from a leader, nobody may depose it (except on its request).
      const inLease = (this.checkQuorum || this.preVote) && this.leader !== null && this.electionElapsed < this.electionTicks;
      if (inLease && !m.transfer) return false;
    }
    // A pre-vote, or a grant of our own pre-vote, is about a future term: nothing changes yet.
    if (m.type === MessageType.PreVote) return true;
    if (m.type === MessageType.PreVoteResp && !m.reject) return true;
    const fromLeader = m.type === MessageType.Append || m.type === MessageType.Snapshot;
    this.becomeFollower(m.term, fromLeader ? m.from : null);
    return true;
  }

  private onLowerTerm(m: Message): void {
    if (m.type === MessageType.Append && (this.checkQuorum || this.preVote)) {
      // Tell a deposed leader about the new term so it steps down.
      this.send({ type: MessageType.AppendResp, to: m.from });
    } else if (m.type === MessageType.PreVote) {
      this.send({ type: MessageType.PreVoteResp, to: m.from, reject: true });
    }
  }

  private handleVoteRequest(m: Message): void {
    const pre = m.type === MessageType.PreVote;
    const respType = pre ? MessageType.PreVoteResp : MessageType.VoteResp;
    const canVote =
      this.vote === m.from || (this.vote === null && this.leader === null) || (pre && m.term > this.term);
    if (!this.disabled && canVote && this.log.isUpToDate(m.index, m.logTerm)) {
      // A granted pre-vote answers in the candidate's future term so it is not taken as stale.
      this.send({ type: respType, to: m.from, term: m.term });
      if (!pre) {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
      return;
    }
    this.send({ type: respType, to: m.from, reject: true });
  }

  private stepCandidate(m: Message): void {
    switch (m.type) {
      case MessageType.Append:
        this.becomeFollower(m.term, m.from);
        this.handleAppend(m);
        return;
      case MessageType.Snapshot:
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return;
      case MessageType.PreVoteResp:
      case MessageType.VoteResp: {
        const expected = this.role === RaftRole.PreCandidate ? MessageType.PreVoteResp : MessageType.VoteResp;
        if (m.type !== expected) return;
        if (m.type === MessageType.PreVoteResp && !m.reject && m.term !== this.term + 1) return;
        const result = this.recordVote(m.from, !m.reject);
        if (result === 'won') this.onElectionWon();
        else if (result === 'lost') this.becomeFollower(this.term, null);
        return;
      }
      default:
        return;
    }
  }

  // ---------------------------------------------------------------- follower

  private stepFollower(m: Message): void {
    switch (m.type) {
      case MessageType.Append:
        this.followLeader(m.from);
        this.handleAppend(m);
        return;
      case MessageType.Snapshot:
        this.followLeader(m.from);
        this.handleSnapshot(m);
        return;
      case MessageType.TimeoutNow:
        if (this.promotable()) this.campaign('transfer');
        return;
      case MessageType.TransferLeader:
        if (this.leader !== null) this.send({ type: MessageType.TransferLeader, to: this.leader, entries: m.entries });
        return;
      default:
        return;
    }
  }

  private followLeader(from: NodeId): void {
    this.electionElapsed = 0;
    if (this.leader !== from) {
      this.leader = from;
      this.pendingAck = null;
    }
  }

  private handleAppend(m: Message): void {
    if (this.disabled) return; // a corrupt log must not acknowledge anything
    const buggy = this.bugs.truncateCommitted;
    if (!buggy && m.index < this.commit) {
      this.ackAppend(m.from, this.commit);
      return;
    }
    if (!this.log.matchTerm(m.index, m.logTerm)) {
      const hint = this.log.findConflictByTerm(Math.min(m.index, this.log.lastIndex()), m.logTerm);
      const hintTerm = this.log.term(hint) ?? 0;
      this.send({ type: MessageType.AppendResp, to: m.from, reject: true, index: m.index, rejectHint: hint, logTerm: hintTerm });
      return;
    }
    const lastNew = m.index + m.entries.length;
    if (m.entries.length > 0) {
      if (buggy) this.truncateEverything(m.entries, lastNew);
      else this.appendConflicting(m.entries);
    }
    this.commitTo(Math.min(m.commit, lastNew));
    this.ackAppend(m.from, lastNew);
  }

  /** Appends the entries from the first one that is not already in the log. */
  private appendConflicting(entries: readonly Entry[]): void {
    let conflict = 0;
    for (const e of entries) {
      if (!this.log.matchTerm(e.index, e.term)) {
        conflict = e.index;
        break;
      }
    }
    if (conflict === 0) return;
    if (conflict <= this.log.lastIndex()) {
      assert(conflict > this.commit, `truncation at ${conflict} would remove committed entries (commit ${this.commit})`);
    }
    const first = entries[0];
    assert(first !== undefined, 'entries not empty');
    this.replaceFrom(entries.slice(conflict - first.index));
  }

  /** Planted bug truncateCommitted: replace the whole suffix, even matching and committed entries. */
  private truncateEverything(entries: readonly Entry[], lastNew: number): void {
    this.replaceFrom(entries);
    if (this.commit > lastNew) this.commit = lastNew;
  }

  private replaceFrom(entries: readonly Entry[]): void {
    const first = entries[0];
    assert(first !== undefined, 'replaceFrom without entries');
    this.log.truncateAndAppend(entries);
    this.confIndexes = this.confIndexes.filter((i) => i < first.index);
    for (const e of entries) if (e.type === EntryType.ConfChange) this.confIndexes.push(e.index);
  }

  private handleSnapshot(m: Message): void {
    if (this.disabled) return;
    const snap = m.snapshot;
    assert(snap !== null, 'validated Snapshot message has a snapshot');
    const { index, term } = snap.meta;
    if (index <= this.commit) {
      this.ackAppend(m.from, this.commit);
      return;
    }
    if (this.log.matchTerm(index, term)) {
      // We already hold the snapshot's last entry: the log needs no replacing.
      this.commitTo(index);
      this.ackAppend(m.from, index);
      return;
    }
    this.restore(snap);
    this.ackAppend(m.from, index);
  }

  private restore(snap: Snapshot): void {
    this.log.restore(snap);
    this.commit = snap.meta.index;
    this.voters = [...snap.meta.conf.voters];
    this.confIndexes = [];
  }

  /** Acknowledges `index` once it is durable here; until then the latest such ack waits. */
  private ackAppend(to: NodeId, index: number): void {
    if (this.bugs.ackBeforeFsync || this.log.persistedIndex >= index) {
      this.send({ type: MessageType.AppendResp, to, index });
      if (this.pendingAck !== null && this.pendingAck.index <= index) this.pendingAck = null;
      return;
    }
    if (this.pendingAck === null || this.pendingAck.index < index) this.pendingAck = { to, term: this.term, index };
  }

  private flushPendingAck(): void {
    const p = this.pendingAck;
    if (p === null) return;
    if (p.term !== this.term || this.role !== RaftRole.Follower || this.log.snapshotInstalling()) {
      if (p.term !== this.term) this.pendingAck = null;
      return;
    }
    // Entries up to p.index were found to match the leader's, so any durable prefix of them can be acked.
    const index = Math.min(p.index, this.log.persistedIndex);
    if (index <= 0) return;
    this.send({ type: MessageType.AppendResp, to: p.to, index });
    if (index >= p.index) this.pendingAck = null;
  }

  // ---------------------------------------------------------------- leader

  private stepLeader(m: Message): void {
    const pr = this.progress.get(m.from);
    if (pr === undefined) return;
    pr.recentActive = true;
    switch (m.type) {
      case MessageType.AppendResp:
        if (m.reject) this.handleAppendReject(m, pr);
        else this.handleAppendAck(m, pr);
        return;
      case MessageType.TransferLeader: {
        const to = decodeTransferee(m);
        if (this.voters.includes(to)) this.transferLeadership(to);
        return;
      }
      default:
        return;
    }
  }

  private handleAppendReject(m: Message, pr: Progress): void {
    let hint = m.rejectHint;
    // Skip every entry of the follower's conflicting term in one round trip.
    if (m.logTerm > 0) hint = this.log.findConflictByTerm(m.rejectHint, m.logTerm);
    if (m.index <= pr.match && hint < pr.match) {
      // It no longer holds what it acknowledged (a repaired log): probe it from its real end.
      // Dropping this as a stale rejection left it probed just above the old match forever.
      pr.lostEntries(hint);
      this.sendAppends(m.from);
      return;
    }
    if (!pr.maybeDecrTo(m.index, hint)) {
      // Stale for the probe, yet it says the follower is alive and lags (a heartbeat below a
      // compacted prefix is rejected like this). Like an ack without progress, it unblocks the
      // probe: the one out may have been lost while the follower was down.
      if (pr.state === ProgressState.Probe) {
        pr.probeSent = false;
        this.sendAppends(m.from);
      }
      return;
    }
    if (pr.state === ProgressState.Replicate) pr.becomeProbe();
    this.sendAppends(m.from);
  }

  private handleAppendAck(m: Message, pr: Progress): void {
    if (pr.maybeUpdate(m.index)) {
      if (pr.state === ProgressState.Probe) pr.becomeReplicate();
      else if (pr.state === ProgressState.Snapshot && pr.match >= pr.pendingSnapshot) pr.becomeProbe();
      if (this.maybeCommit()) this.broadcastCommit();
      else this.sendAppends(m.from);
      if (this.role === RaftRole.Leader && m.from === this.transferee && pr.match === this.log.lastIndex()) {
        this.send({ type: MessageType.TimeoutNow, to: m.from });
      }
      return;
    }
    // An answer without progress (a heartbeat, a duplicate) unblocks a probe. It says nothing
    // about pipelined batches: a heartbeat sent after a commit is answered long before the
    // batches ahead of it are fsynced. Lost batches are found by tickLeader (stalled rounds).
    if (pr.state === ProgressState.Probe) pr.probeSent = false;
    if (pr.match < this.log.lastIndex()) this.sendAppends(m.from);
  }

  private checkCanPropose(): void {
    if (this.role !== RaftRole.Leader) throw new NotLeaderError(this.leader);
    if (this.transferee !== null) throw new BusyError(`leadership transfer to ${this.transferee} in progress`);
    if (this.log.lastIndex() - this.commit >= pendingProposalsMax) {
      throw new BusyError(`${pendingProposalsMax} proposals are not committed yet`);
    }
  }

  private appendAndReplicate(type: EntryType, data: Uint8Array): { index: number; term: number } {
    assert(this.role === RaftRole.Leader, 'only the leader appends');
    const entry: Entry = { index: this.log.lastIndex() + 1, term: this.term, type, data };
    this.log.append([entry]);
    if (type === EntryType.ConfChange) this.confIndexes.push(entry.index);
    for (const id of this.progress.keys()) this.sendAppends(id);
    // With ackBeforeFsync the leader counts itself at once; otherwise from persisted().
    if (this.maybeCommit()) this.broadcastCommit();
    return { index: entry.index, term: entry.term };
  }

  private selfMatch(): number {
    return this.bugs.ackBeforeFsync ? this.log.lastIndex() : this.log.persistedIndex;
  }

  /** Advances the commit index to what a quorum holds durably, through an entry of this term. */
  private maybeCommit(): boolean {
    if (this.role !== RaftRole.Leader) return false;
    const matches: number[] = [];
    for (const v of this.voters) matches.push(v === this.id ? this.selfMatch() : (this.progress.get(v)?.match ?? 0));
    matches.sort((a, b) => b - a);
    // Planted bug ackBeforeCommit: the leader's own durable copy is enough.
    const q = this.bugs.ackBeforeCommit ? this.selfMatch() : (matches[this.quorum() - 1] ?? 0);
    if (q <= this.commit) return false;
    if (!this.bugs.commitEarlierTerms && this.log.term(q) !== this.term) return false;
    this.commitTo(q);
    return true;
  }

  /** Lets followers learn the new commit index now rather than at the next heartbeat. */
  private broadcastCommit(): void {
    if (this.role !== RaftRole.Leader) return;
    for (const id of this.progress.keys()) {
      if (!this.sendAppends(id)) this.sendHeartbeat(id);
    }
  }

  /** Sends as many Append batches as the follower's flow control allows. Returns true if any. */
  private sendAppends(to: NodeId): boolean {
    let sent = false;
    // Bounded by the inflight window (replicate) or a single probe.
    for (let i = 0; i <= inflightBatchesMax; i++) {
      if (!this.sendAppend(to)) return sent;
      sent = true;
      const pr = this.progress.get(to);
      if (pr === undefined || pr.state !== ProgressState.Replicate) return sent;
    }
    return sent;
  }

  private sendAppend(to: NodeId): boolean {
    const pr = this.progress.get(to);
    if (pr === undefined || pr.paused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    if (prevTerm === undefined || pr.next < this.log.firstIndex()) {
      this.sendSnapshot(to, pr);
      return true;
    }
    const last = this.log.lastIndex();
    if (pr.next > last) {
      // Nothing new to send; a probe still has to find out whether the follower holds prevIndex.
      if (pr.state !== ProgressState.Probe || pr.match >= prevIndex) return false;
      this.send({ type: MessageType.Append, to, index: prevIndex, logTerm: prevTerm, commit: this.commit });
      pr.probeSent = true;
      return true;
    }
    const entries = this.log.entries(pr.next, last + 1, batchBytesMax);
    this.send({ type: MessageType.Append, to, index: prevIndex, logTerm: prevTerm, entries, commit: this.commit });
    const lastSent = entries[entries.length - 1];
    assert(lastSent !== undefined, 'an Append batch holds at least one entry');
    pr.sentEntries(lastSent.index);
    if (pr.state === ProgressState.Probe) pr.probeSent = true;
    return true;
  }

  private sendSnapshot(to: NodeId, pr: Progress): void {
    const snap = this.log.storageSnapshot();
    assert(snap !== null, `entries before ${pr.next} are compacted but storage has no snapshot`);
    pr.becomeSnapshot(snap.meta.index);
    this.send({ type: MessageType.Snapshot, to, snapshot: snap });
  }

  /** A heartbeat is an empty Append at the follower's match: it always matches, and carries a safe commit. */
  private sendHeartbeat(to: NodeId): void {
    const pr = this.progress.get(to);
    if (pr === undefined) return;
    let index = Math.min(pr.match, this.log.lastIndex());
    let logTerm = this.log.term(index);
    if (logTerm === undefined) {
      index = this.log.firstIndex() - 1;
      logTerm = this.log.term(index) ?? 0;
    }
    this.send({ type: MessageType.Append, to, index, logTerm, commit: Math.min(this.commit, index) });
  }

  // ---------------------------------------------------------------- commit and configuration

  private commitTo(index: number): void {
    if (index <= this.commit) return;
    assert(index <= this.log.lastIndex(), `commit ${index} beyond last index ${this.log.lastIndex()}`);
    this.commit = index;
    this.applyCommittedConf();
  }

  /**
   * The configuration in force is the latest conf change that is committed and durable here.
   * Once one takes effect the hard state must be fsynced (Ready.mustSync): a node must never
   * forget a committed membership, above all one that made it a voter again. The commit index
   * alone is only a hint that a power loss may take back; a node that woke up believing it was
   * still removed would not campaign, and the group may have no other voter able to win
   * (found by the simulator: seed 362965618432).
   */
  private applyCommittedConf(): void {
    let changed = false;
    const limit = Math.min(this.commit, this.log.persistedIndex);
    while (this.confIndexes.length > 0 && (this.confIndexes[0] ?? Infinity) <= limit) {
      const index = this.confIndexes.shift() as number;
      const [e] = this.log.entries(index, index + 1, 0);
      assert(e !== undefined && e.type === EntryType.ConfChange, `conf change entry ${index} missing`);
      this.applyConfChange(decodeConfChange(e.data));
      changed = true;
    }
    if (!changed) return;
    this.confSyncWanted = true;
    if (this.role === RaftRole.Leader) this.syncProgressWithConf();
  }

  private applyConfChange(cc: ConfChange): void {
    if (cc.type === ConfChangeType.AddNode) {
      if (!this.voters.includes(cc.node)) this.voters.push(cc.node);
    } else {
      this.voters = this.voters.filter((v) => v !== cc.node);
    }
    assert(this.voters.length > 0, 'configuration without voters');
  }

  private syncProgressWithConf(): void {
    if (!this.voters.includes(this.id)) {
      this.handOverAfterRemoval();
      return;
    }
    for (const id of [...this.progress.keys()]) if (!this.voters.includes(id)) this.progress.delete(id);
    if (this.transferee !== null && !this.voters.includes(this.transferee)) this.transferee = null;
    for (const v of this.voters) {
      if (v === this.id || this.progress.has(v)) continue;
      this.progress.set(v, new Progress(this.log.lastIndex() + 1));
      this.sendAppends(v);
    }
  }

  /**
   * A leader whose removal took effect steps down. First it tells the remaining voters the
   * commit that contains the removal (none of them may know it yet, and a voter that does not
   * know a membership which includes it never campaigns), and asks the most caught-up one to
   * campaign at once (TimeoutNow) instead of after an election timeout. Both are best effort:
   * if they are lost, the voters' own election timeouts and durable memberships still elect.
   */
  private handOverAfterRemoval(): void {
    let best: NodeId | null = null;
    let bestMatch = -1;
    for (const [id, pr] of this.progress) {
      if (!this.isVoter(id)) continue;
      if (!this.sendAppends(id)) this.sendHeartbeat(id);
      if (pr.match > bestMatch) {
        best = id;
        bestMatch = pr.match;
      }
    }
    if (best !== null && bestMatch === this.log.lastIndex()) this.send({ type: MessageType.TimeoutNow, to: best });
    this.becomeFollower(this.term, null);
  }

  private scanConfEntries(lo: number, hi: number): void {
    let i = lo;
    // Each round reads at least one entry, so this ends within hi - lo + 1 rounds.
    for (let round = 0; i <= hi && round <= hi - lo + 1; round++) {
      for (const e of this.log.entries(i, hi + 1, confScanBytesMax)) {
        if (e.type === EntryType.ConfChange) this.confIndexes.push(e.index);
        i = e.index + 1;
      }
    }
    assert(i > hi, 'conf scan did not finish');
  }

  // ---------------------------------------------------------------- ready helpers

  private send(f: Omit<MessageFields, 'from' | 'term'> & { term?: number }): void {
    this.msgs.push(messageFrom(this.id, f.term ?? this.term, f));
  }

  private reportedHardState(): HardState {
    // Planted bug skipVotePersist: a vote given within the same term is never reported for fsync.
    const vote = this.bugs.skipVotePersist
      ? this.term === this.prevHardState.term
        ? this.prevHardState.vote
        : null
      : this.vote;
    return { term: this.term, vote, commit: this.commit };
  }

  private hardStateChanged(): boolean {
    const hs = this.reportedHardState();
    const p = this.prevHardState;
    return hs.term !== p.term || hs.vote !== p.vote || hs.commit !== p.commit;
  }

  /** Committed entries are handed out only once durable here (except under the ackBeforeFsync bug). */
  private committedLimit(): number {
    if (this.log.snapshotInstalling()) return this.applying;
    // Planted bug readUncommitted: whatever is appended here is applied, committed or not.
    if (this.bugs.readUncommitted) return Math.max(this.applying, this.log.lastIndex());
    const durable = this.bugs.ackBeforeFsync ? this.log.lastIndex() : this.log.persistedIndex;
    return Math.min(this.commit, durable);
  }
}

