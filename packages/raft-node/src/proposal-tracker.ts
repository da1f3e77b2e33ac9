// Proposals waiting for their entry to be committed and applied. Bounded; each one ends
// exactly once: committed with its own term (resolve), replaced by another term's entry
// (dropped), timed out or left behind by the node's leadership (unknown outcome), or the node
// stopped.

import { assert } from './assert.ts';
import { LeadershipLostError, NodeStoppedError, ProposalDroppedError, ProposalTimeoutError, TooManyPendingError } from './errors.ts';

export interface Committed {
  readonly index: number;
  readonly term: number;
}

interface Waiter {
  readonly term: number;
  readonly deadlineMs: number;
  readonly resolve: (c: Committed) => void;
  readonly reject: (err: Error) => void;
}

export class ProposalTracker {
  private readonly waiters = new Map<number, Waiter>();

  constructor(private readonly limit: number) {
    assert(limit > 0, 'limit must be positive');
  }

  get size(): number {
    return this.waiters.size;
  }

  checkCapacity(): void {
    if (this.waiters.size >= this.limit) throw new TooManyPendingError(this.limit);
  }

  wait(index: number, term: number, deadlineMs: number): Promise<Committed> {
    this.checkCapacity();
    return new Promise((resolve, reject) => {
      const previous = this.waiters.get(index);
      // An older proposal at the same index lost its place to a newer leader's entry.
      if (previous) previous.reject(new ProposalDroppedError(index, previous.term, term));
      this.waiters.set(index, { term, deadlineMs, resolve, reject });
    });
  }

  /** The entry at `index` was applied with `term`. */
  applied(index: number, term: number): void {
    const w = this.waiters.get(index);
    if (!w) return;
    this.waiters.delete(index);
    if (w.term === term) w.resolve({ index, term });
    else w.reject(new ProposalDroppedError(index, w.term, term));
  }

  expire(nowMs: number): void {
    for (const [index, w] of this.waiters) {
      if (w.deadlineMs <= nowMs) {
        this.waiters.delete(index);
        w.reject(new ProposalTimeoutError(index));
      }
    }
  }

  /** The node stopped leading: every proposal still waiting has an unknown outcome now. */
  leadershipLost(): void {
    for (const [index, w] of this.waiters) w.reject(new LeadershipLostError(index, w.term));
    this.waiters.clear();
  }

  failAll(): void {
    for (const w of this.waiters.values()) w.reject(new NodeStoppedError());
    this.waiters.clear();
  }
}
