// POP consumption state of one consumer group on one queue, kept by the leader. Pure: time is
// passed in. What is durable is only the group's committed offset (replicated through the log
// by the broker); a new leader starts from it, so a failover redelivers at most the in-flight
// window, never loses an ack that was committed.
//
//   committed            everything below was acknowledged
//   [committed, …)       each offset is: acked, in flight (invisible until visibleAtMs), or ready
//
// A message that became visible again after maxAttempts deliveries is handed out for the
// dead-letter queue instead of being delivered.

import { assert } from '../assert.ts';

export interface Delivery {
  readonly offset: number;
  readonly attempt: number;
  readonly seq: number;
}

interface InFlight {
  seq: number;
  visibleAtMs: number;
}

export type AckOutcome = 'acked' | 'already-acked' | 'stale-handle';

export class PopQueue {
  private committedOffset: number;
  private readonly inflight = new Map<number, InFlight>();
  private readonly acked = new Set<number>();
  /** Deliveries made so far per offset (kept while the offset is not acked). */
  private readonly attempts = new Map<number, number>();

  constructor(committed: number) {
    assert(Number.isSafeInteger(committed) && committed >= 0, `committed ${committed}`);
    this.committedOffset = committed;
  }

  get committed(): number {
    return this.committedOffset;
  }

  get inflightCount(): number {
    return this.inflight.size;
  }

  /** Retention moved the queue's start: offsets below it are gone, nothing to deliver there. */
  raiseFloor(minOffset: number): void {
    if (minOffset <= this.committedOffset) return;
    for (let o = this.committedOffset; o < minOffset; o++) this.forget(o);
    this.committedOffset = minOffset;
    this.advance();
  }

  /** May `offset` be delivered now? (not acked, not invisible) */
  isReady(offset: number, nowMs: number): boolean {
    if (offset < this.committedOffset || this.acked.has(offset)) return false;
    const f = this.inflight.get(offset);
    return f === undefined || f.visibleAtMs <= nowMs;
  }

  /** True when the offset still waits for an ack (in flight and invisible, or ready). */
  isPending(offset: number): boolean {
    return offset >= this.committedOffset && !this.acked.has(offset);
  }

  attemptsOf(offset: number): number {
    return this.attempts.get(offset) ?? 0;
  }

  deliver(offset: number, seq: number, nowMs: number, invisibleMs: number): Delivery {
    assert(this.isReady(offset, nowMs), `offset ${offset} is not ready`);
    const attempt = this.attemptsOf(offset) + 1;
    this.attempts.set(offset, attempt);
    this.inflight.set(offset, { seq, visibleAtMs: nowMs + invisibleMs });
    return { offset, attempt, seq };
  }

  ack(offset: number, seq: number): AckOutcome {
    if (offset < this.committedOffset || this.acked.has(offset)) return 'already-acked';
    const f = this.inflight.get(offset);
    // No record: a delivery by an earlier leader; the handle still names this message.
    if (f !== undefined && f.seq !== seq) return 'stale-handle';
    this.acked.add(offset);
    this.forget(offset);
    this.advance();
    return 'acked';
  }

  /** A new invisible time for a delivery (nack, or extend). False when the handle is stale. */
  changeInvisible(offset: number, seq: number, newSeq: number, visibleAtMs: number): boolean {
    const f = this.inflight.get(offset);
    if (f === undefined || f.seq !== seq || this.acked.has(offset)) return false;
    this.inflight.set(offset, { seq: newSeq, visibleAtMs });
    return true;
  }

  /** Earliest time an in-flight offset becomes visible again (for long polling), or null. */
  nextVisibleAtMs(): number | null {
    let min: number | null = null;
    for (const f of this.inflight.values()) if (min === null || f.visibleAtMs < min) min = f.visibleAtMs;
    return min;
  }

  private forget(offset: number): void {
    this.inflight.delete(offset);
    this.attempts.delete(offset);
  }

  private advance(): void {
    while (this.acked.has(this.committedOffset)) {
      this.acked.delete(this.committedOffset);
      this.committedOffset += 1;
    }
  }
}
