// What the leader knows about one follower's log, and how it paces replication to it.
//   probe:     next is a guess; one Append per round trip until the follower accepts one.
//   replicate: the follower is known to match; Appends are pipelined up to inflightBatchesMax.
//   snapshot:  a snapshot was sent; nothing more until it is acknowledged (or retried).

import { assert } from './assert.ts';
import { inflightBatchesMax } from './constants.ts';

export const ProgressState = { Probe: 'probe', Replicate: 'replicate', Snapshot: 'snapshot' } as const;
export type ProgressState = (typeof ProgressState)[keyof typeof ProgressState];

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = ProgressState.Probe;
  /** Probe: an Append is out and unanswered. */
  probeSent = false;
  /** Last index of each unacknowledged Append batch, ascending. */
  inflights: number[] = [];
  /** Heard from since the last check-quorum round. */
  recentActive = false;
  pendingSnapshot = 0;
  snapshotElapsedTicks = 0;
  stalledHeartbeats = 0;

  constructor(next: number) {
    assert(next >= 1, `next ${next} must be >= 1`);
    this.next = next;
  }

  paused(): boolean {
    switch (this.state) {
      case ProgressState.Probe:
        return this.probeSent;
      case ProgressState.Replicate:
        return this.inflights.length >= inflightBatchesMax;
      case ProgressState.Snapshot:
        return true;
    }
  }

  becomeProbe(): void {
    // After a snapshot, the follower holds at least what the snapshot covered.
    const floor = this.state === ProgressState.Snapshot ? Math.max(this.match, this.pendingSnapshot) : this.match;
    this.reset(ProgressState.Probe);
    this.next = floor + 1;
  }

  becomeReplicate(): void {
    this.reset(ProgressState.Replicate);
    this.next = this.match + 1;
  }

  becomeSnapshot(index: number): void {
    this.reset(ProgressState.Snapshot);
    this.pendingSnapshot = index;
  }

  private reset(state: ProgressState): void {
    this.state = state;
    this.probeSent = false;
    this.inflights = [];
    this.pendingSnapshot = 0;
    this.snapshotElapsedTicks = 0;
    this.stalledHeartbeats = 0;
  }

  /** An Append ending at `last` (with entries) went out. */
  sentEntries(last: number): void {
    if (this.state === ProgressState.Replicate) {
      assert(this.inflights.length < inflightBatchesMax, 'inflight window overflow');
      this.next = last + 1;
      this.inflights.push(last);
    }
  }

  /** The follower acknowledged `index`. Returns true if its match grew. */
  maybeUpdate(index: number): boolean {
    let grew = false;
    if (index > this.match) {
      this.match = index;
      this.probeSent = false;
      this.stalledHeartbeats = 0;
      grew = true;
    }
    this.next = Math.max(this.next, index + 1);
    this.freeTo(index);
    return grew;
  }

  freeTo(index: number): void {
    let n = 0;
    while (n < this.inflights.length && (this.inflights[n] ?? 0) <= index) n++;
    if (n > 0) this.inflights = this.inflights.slice(n);
  }

  /**
   * The follower rejected an index it had acknowledged, with a log ending below it: it lost
   * entries (an operator discarded its damaged log and it restarted empty, keeping term and
   * vote). What it holds is unknown again, so nothing counts as matched and the probe starts
   * at its hint. Lowering match is always safe: commit never moves back, and it only counts
   * the follower in fewer quorums.
   */
  lostEntries(probeHint: number): void {
    assert(Number.isSafeInteger(probeHint) && probeHint >= 0 && probeHint < this.match, `lost entries: hint ${probeHint}, match ${this.match}`);
    this.reset(ProgressState.Probe);
    this.match = 0;
    this.next = probeHint + 1;
  }

  /**
   * The follower rejected an Append whose previous index was `rejected`; `probeHint` is the highest
   * index that may still match. Returns false for a stale rejection.
   */
  maybeDecrTo(rejected: number, probeHint: number): boolean {
    if (this.state === ProgressState.Replicate) {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, probeHint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }
}
