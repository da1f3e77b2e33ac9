// The safety checker. The simulator reports what every node does (log writes, applies,
// roles, reads, proposals); the checker keeps its own mirror of each log and throws an
// InvariantViolation the moment any of these breaks:
//   election-safety      at most one leader per term
//   log-matching         same (index, term) → same entry; and then the same prefix
//   log-terms-monotone   terms never decrease along a log
//   leader-completeness  a new leader's log holds every entry committed so far
//   no-truncate-committed a node never removes or rewrites an entry it has applied
//   state-machine-safety every node applies the same entry at each index, in order
//   commit-monotone      a node's commit index never decreases (until it restarts)
//   leader-commit-term   a leader moves its commit index only onto an entry of its own term
//                        (earlier terms' entries commit only through one: Raft §5.4.2)
//   lost-ack             an acknowledged proposal stays at its index everywhere, and ends
//                        up on a majority
//   check-quorum         a leader that has heard from no majority for too long steps down
//   stale-read           a read index covers every entry committed before the read began,
//                        unless the reader is inside the check-quorum window: the core's
//                        readIndex() answers from the leader's own commit index without a
//                        quorum round, so a deposed leader may lag until check-quorum (at most
//                        two election timeouts) makes it step down. Those are counted, not failed.

import { assert } from './assert.ts';
import { InvariantViolation } from './errors.ts';
import { LogMirror, type EntryView } from './log-mirror.ts';

interface Committed {
  readonly term: number;
  readonly key: string;
}

interface CommittedEntry extends Committed {
  /** An upper bound on the term in which the entry was committed: the lowest current term of any node applying it. */
  committedBy: number;
}

interface PendingRead {
  readonly node: string;
  readonly term: number;
  readonly mustCover: number;
  readonly startMs: number;
}

export interface CheckerStats {
  leadersElected: number;
  committedMax: number;
  proposals: number;
  acked: number;
  readsChecked: number;
  /** Highest index of any acknowledged proposal. */
  ackedMax: number;
  /** Reads that missed a committed entry while their leader was still within its check-quorum window. */
  staleReadsInWindow: number;
}

export class InvariantChecker {
  private readonly mirrors = new Map<string, LogMirror>();
  private readonly applied = new Map<string, number>();
  private readonly commitSeen = new Map<string, number>();
  private readonly leaderOfTerm = new Map<number, string>();
  /** Commit index last seen on each node while it led, with the term it led. */
  private readonly ledCommit = new Map<string, { term: number; commit: number }>();
  /** Content of every (index, term) ever written anywhere. */
  private readonly entryKeys = new Map<string, string>();
  /** Every entry any node applied, by index. */
  private readonly committed = new Map<number, CommittedEntry>();
  private committedMax = 0;
  /** Proposals accepted by a leader and not yet resolved: "node:index:term" → key. */
  private readonly pending = new Map<string, string>();
  /** Acknowledged proposals by index. */
  private readonly acked = new Map<number, Committed>();
  private readonly reads = new Map<number, PendingRead>();
  readonly stats: CheckerStats = { leadersElected: 0, committedMax: 0, proposals: 0, acked: 0, readsChecked: 0, ackedMax: 0, staleReadsInWindow: 0 };

  constructor(
    readonly nodes: readonly string[],
    private readonly now: () => number,
  ) {
    for (const n of nodes) {
      this.mirrors.set(n, new LogMirror());
      this.applied.set(n, 0);
      this.commitSeen.set(n, 0);
    }
  }

  mirror(node: string): LogMirror {
    const m = this.mirrors.get(node);
    assert(m !== undefined, `unknown node ${node}`);
    return m;
  }

  appliedIndex(node: string): number {
    return this.applied.get(node) ?? 0;
  }

  ackedEntries(): ReadonlyMap<number, Committed> {
    return this.acked;
  }

  private fail(invariant: string, detail: string): never {
    throw new InvariantViolation(invariant, detail, this.now());
  }

  // ---- logs -----------------------------------------------------------------------

  /** The node's whole log after a restart or snapshot install; `applied` is where its state machine restarts. */
  onLogReset(node: string, first: number, entries: readonly EntryView[], applied: number): void {
    const m = this.mirror(node);
    m.reset(first, []);
    this.checkTermsMonotone(node, first - 1, entries);
    for (const e of entries) this.recordEntryKey(node, e);
    m.reset(first, entries);
    this.applied.set(node, applied);
    this.commitSeen.set(node, 0);
    this.ledCommit.delete(node);
    this.checkLogMatchingFrom(node, first);
  }

  /** Entries the node appended (truncating its log from entries[0].index if it overlaps). */
  onLogAppend(node: string, entries: readonly EntryView[]): void {
    if (entries.length === 0) return;
    const m = this.mirror(node);
    const from = (entries[0] as EntryView).index;
    this.checkTermsMonotone(node, from - 1, entries);
    const applied = this.appliedIndex(node);
    for (const e of entries) this.recordEntryKey(node, e);
    const removed = m.append(entries);
    for (const r of removed) {
      if (r.index > applied) break;
      const now = m.termAt(r.index);
      if (now !== r.term || m.keyAt(r.index) !== r.key) {
        this.fail('no-truncate-committed', `${node} rewrote applied entry ${r.index} (term ${r.term} → ${now ?? 'removed'}); applied=${applied}`);
      }
    }
    this.checkLogMatchingFrom(node, from);
  }

  private checkTermsMonotone(node: string, prevIndex: number, entries: readonly EntryView[]): void {
    let prev = this.mirror(node).termAt(prevIndex) ?? 0;
    for (const e of entries) {
      if (e.term < prev) this.fail('log-terms-monotone', `${node} entry ${e.index} has term ${e.term} after term ${prev}`);
      prev = e.term;
    }
  }

  private recordEntryKey(node: string, e: EntryView): void {
    const id = `${e.index}:${e.term}`;
    const known = this.entryKeys.get(id);
    if (known === undefined) this.entryKeys.set(id, e.key);
    else if (known !== e.key) this.fail('log-matching', `${node} holds ${JSON.stringify(e.key)} at ${id}, another node held ${JSON.stringify(known)}`);
  }

  /**
   * The node's log changed from `from` on. For every other node, find the highest index
   * ≥ from where both logs carry the same term: below it, the logs must agree down to the
   * first agreeing index before `from` (earlier prefixes were already checked).
   */
  private checkLogMatchingFrom(node: string, from: number): void {
    const a = this.mirror(node);
    for (const [other, b] of this.mirrors) {
      if (other === node) continue;
      const lo = Math.max(a.first, b.first);
      let top = Math.min(a.last, b.last);
      while (top >= from && top >= lo && a.termAt(top) !== b.termAt(top)) top--;
      if (top < from || top < lo) continue;
      for (let i = top; i >= lo; i--) {
        if (a.termAt(i) !== b.termAt(i)) {
          this.fail('log-matching', `${node} and ${other} agree at index ${top} (term ${a.termAt(top)}) but differ at ${i} (${a.termAt(i)} vs ${b.termAt(i)})`);
        }
        if (i < from) break;
      }
    }
  }

  // ---- roles ----------------------------------------------------------------------

  /** Called whenever a node reports itself leader of `term`. */
  onLeader(node: string, term: number): void {
    const known = this.leaderOfTerm.get(term);
    if (known === node) return;
    if (known !== undefined) this.fail('election-safety', `two leaders in term ${term}: ${known} and ${node}`);
    this.leaderOfTerm.set(term, node);
    this.stats.leadersElected++;
    const m = this.mirror(node);
    for (const [index, c] of this.committed) {
      // Only entries known to have been committed in an earlier term bind this leader.
      if (index < m.first || c.committedBy >= term) continue;
      if (m.termAt(index) !== c.term || m.keyAt(index) !== c.key) {
        this.fail('leader-completeness', `${node} leads term ${term} without committed entry ${index} (term ${c.term}); it has ${m.termAt(index) ?? 'nothing'}`);
      }
    }
  }

  /**
   * A leader that, by its own ticks, has heard from no quorum (itself included) for
   * `silentTicks` > the allowed bound must have stepped down.
   */
  onLeaderSilence(node: string, term: number, silentTicks: number, boundTicks: number): void {
    if (silentTicks > boundTicks) {
      this.fail('check-quorum', `${node} is still leader of term ${term} after ${silentTicks} ticks without hearing from a quorum (bound ${boundTicks})`);
    }
  }

  /** `leaderTerm`: the term the node leads, or null when it is not leader. */
  onCommitIndex(node: string, commit: number, leaderTerm: number | null = null): void {
    const seen = this.commitSeen.get(node) ?? 0;
    if (commit < seen) this.fail('commit-monotone', `${node} commit index went back from ${seen} to ${commit}`);
    this.commitSeen.set(node, commit);
    const led = this.ledCommit.get(node);
    if (leaderTerm === null) {
      this.ledCommit.delete(node);
      return;
    }
    if (led !== undefined && led.term === leaderTerm && commit > led.commit) {
      const t = this.mirror(node).termAt(commit);
      if (t !== undefined && t !== leaderTerm) {
        this.fail('leader-commit-term', `${node}, leader of term ${leaderTerm}, advanced its commit index ${led.commit} → ${commit} onto an entry of term ${t}`);
      }
    }
    this.ledCommit.set(node, { term: leaderTerm, commit });
  }

  // ---- state machines -------------------------------------------------------------

  /** The node's state machine applied `e` (which must be the next index); `nodeTerm` is the node's current term. */
  onApplied(node: string, e: EntryView, nodeTerm: number): void {
    const applied = this.appliedIndex(node);
    if (e.index !== applied + 1) this.fail('state-machine-safety', `${node} applied ${e.index} after ${applied} (gap or repeat)`);
    this.applied.set(node, e.index);
    const ack = this.acked.get(e.index);
    if (ack !== undefined && (ack.term !== e.term || ack.key !== e.key)) {
      this.fail('lost-ack', `acknowledged ${JSON.stringify(ack.key)} (term ${ack.term}) at ${e.index}, but ${node} applied ${JSON.stringify(e.key)} (term ${e.term}) there`);
    }
    const c = this.committed.get(e.index);
    if (c === undefined) {
      this.committed.set(e.index, { term: e.term, key: e.key, committedBy: nodeTerm });
      if (e.index > this.committedMax) this.committedMax = e.index;
      this.stats.committedMax = this.committedMax;
    } else if (c.term !== e.term || c.key !== e.key) {
      this.fail('state-machine-safety', `${node} applied ${JSON.stringify(e.key)} (term ${e.term}) at ${e.index}, another node applied ${JSON.stringify(c.key)} (term ${c.term})`);
    } else {
      c.committedBy = Math.min(c.committedBy, nodeTerm);
    }
    const pid = `${node}:${e.index}:${e.term}`;
    const proposed = this.pending.get(pid);
    if (proposed !== undefined) {
      this.pending.delete(pid);
      if (proposed === e.key) {
        this.acked.set(e.index, { term: e.term, key: e.key });
        this.stats.acked++;
        this.stats.ackedMax = Math.max(this.stats.ackedMax, e.index);
      }
    }
  }

  /** A state machine restored from a snapshot: every entry in it must be the committed one. */
  onSnapshotContents(node: string, pairs: readonly (readonly [number, string])[]): void {
    for (const [index, key] of pairs) {
      const c = this.committed.get(index);
      if (c !== undefined && c.key !== key) {
        this.fail('state-machine-safety', `${node} restored a snapshot holding ${JSON.stringify(key)} at ${index}, but ${JSON.stringify(c.key)} was committed there`);
      }
      const a = this.acked.get(index);
      if (a !== undefined && a.key !== key) this.fail('lost-ack', `${node} restored a snapshot holding ${JSON.stringify(key)} at ${index}, where ${JSON.stringify(a.key)} was acknowledged`);
    }
  }

  /** A leader accepted a proposal at (index, term). */
  onProposed(node: string, index: number, term: number, key: string): void {
    this.pending.set(`${node}:${index}:${term}`, key);
    this.stats.proposals++;
  }

  /** Whether the proposal at this (node, index, term) was acknowledged. */
  isAcked(index: number, key: string): boolean {
    return this.acked.get(index)?.key === key;
  }

  // ---- reads ----------------------------------------------------------------------

  /** A linearizable read began on `node`: it must eventually return an index ≥ everything committed by now. */
  onReadStart(readId: number, node: string, term: number): void {
    this.reads.set(readId, { node, term, mustCover: this.committedMax, startMs: this.now() });
  }

  /**
   * `silentTicks`: how long (by its own ticks) the serving leader has not heard from a
   * quorum; `boundTicks`: the check-quorum bound past which it should no longer lead.
   */
  onReadDone(readId: number, index: number, silentTicks: number, boundTicks: number): void {
    const r = this.reads.get(readId);
    assert(r !== undefined, `unknown read ${readId}`);
    this.reads.delete(readId);
    this.stats.readsChecked++;
    if (index >= r.mustCover) return;
    if (silentTicks <= boundTicks) {
      this.stats.staleReadsInWindow++;
      return;
    }
    this.fail('stale-read', `${r.node} (leader of term ${r.term}, ${silentTicks} ticks without a quorum) served a read at index ${index} begun at t=${r.startMs}ms, when index ${r.mustCover} was already committed`);
  }

  onReadAbandoned(readId: number): void {
    this.reads.delete(readId);
  }

  // ---- end of run -----------------------------------------------------------------

  /** Every acknowledged proposal must be held by a majority of the final voters. */
  checkAckedOnMajority(voters: readonly string[], holds: (node: string, index: number, key: string) => boolean): void {
    const quorum = Math.floor(voters.length / 2) + 1;
    for (const [index, a] of this.acked) {
      const holders = voters.filter((v) => holds(v, index, a.key));
      if (holders.length < quorum) {
        this.fail('lost-ack', `acknowledged ${JSON.stringify(a.key)} at ${index} is held by ${holders.length}/${voters.length} voters (${holders.join(',') || 'none'})`);
      }
    }
  }

  /** All nodes that applied up to `upTo` applied the same entries (checked incrementally; this re-asserts coverage). */
  committedAt(index: number): Committed | undefined {
    return this.committed.get(index);
  }
}
