// Delay and timed messages. A message due later is stored in the timer topic; the leader keeps
// the not-yet-released ones in a heap by delivery time and, when one is due, stores it in its
// real topic (an ordinary send: idempotent by message id, so a release repeated after a
// failover stores nothing twice) and acknowledges it in the timer topic's cursor (a replicated
// consumer offset). Rounds run when something is due, not on a fixed tick (nextRoundInMs,
// driven by a WakeTimer on the leader, and at once when a timer message is stored), so a
// message is released at its delivery time plus one commit.

import type { QueueMessage, StorePort } from '../store-port.ts';
import { PopQueue } from '../consumer/pop-queue.ts';
import { MessageType } from '@ledgermq/store';
import { realTopicKey, restage, timerGroup, timerTopic } from '../system-topics.ts';
import type { SendService } from './send-service.ts';

/** A leader's rounds are at most this far apart, even with nothing due (a safety sweep). */
export const timerSweepMs = 1_000;
/**
 * How often rounds poll while something can change with no wake: releases in flight (a failed
 * one comes back due 100 ms later), or a new leader that does not serve yet (broker-node.ts).
 */
export const timerBusyRoundMs = 20;
/** Timer messages held in memory at once; beyond it scanning waits (they stay in the log). */
export const timerHeapMax = 1_000_000;
export const timerScanBatch = 1_024;
export const timerReleasesInflightMax = 256;

interface Pending {
  readonly dueMs: number;
  readonly m: QueueMessage;
}

export interface TimerLog {
  warn(obj: object, msg: string): void;
}

export class TimerService {
  private heap: Pending[] = [];
  private cursor: PopQueue | null = null;
  private scanned = 0;
  private inflight = 0;
  private dirty = false;

  constructor(
    private readonly store: StorePort,
    private readonly send: SendService,
    private readonly nowMs: () => number,
    private readonly log: TimerLog,
  ) {}

  /** Leadership changed: rebuild from the replicated cursor. */
  reset(): void {
    this.heap = [];
    this.cursor = null;
    this.dirty = false;
  }

  get pending(): number {
    return this.heap.length;
  }

  /** One round on the leader: scan newly stored timer messages, release the due ones. */
  tick(): void {
    if (this.cursor === null) {
      const committed = this.store.committedOffset(timerGroup, timerTopic, 0) ?? this.store.bounds(timerTopic, 0).min;
      this.cursor = new PopQueue(committed);
      this.scanned = committed;
    }
    this.scan();
    const now = this.nowMs();
    while (this.heap.length > 0 && this.heap[0]!.dueMs <= now && this.inflight < timerReleasesInflightMax) {
      this.release(pop(this.heap)!);
    }
  }

  /** Milliseconds until the next round is needed: the earliest delivery time held, at most a sweep. */
  nextRoundInMs(): number {
    const top = this.heap[0];
    let next = top === undefined ? timerSweepMs : Math.min(timerSweepMs, Math.max(0, top.dueMs - this.nowMs()));
    // A release in flight may fail (and come back due 100 ms later); at the cap, due ones wait.
    if (this.inflight > 0) next = Math.min(next, timerBusyRoundMs);
    if (this.inflight >= timerReleasesInflightMax) next = timerBusyRoundMs;
    return next;
  }

  /** The cursor's committed offset, when it moved since the last call. */
  takeDirtyOffset(): number | null {
    if (!this.dirty || this.cursor === null) return null;
    this.dirty = false;
    return this.cursor.committed;
  }

  private scan(): void {
    const bounds = this.store.bounds(timerTopic, 0);
    this.scanned = Math.max(this.scanned, bounds.min);
    while (this.scanned < bounds.max && this.heap.length < timerHeapMax) {
      const msgs = this.store.read(timerTopic, 0, this.scanned, Math.min(timerScanBatch, timerHeapMax - this.heap.length));
      if (msgs.length === 0) break;
      for (const m of msgs) push(this.heap, { dueMs: m.message.properties.deliveryTimestampMs ?? 0, m });
      this.scanned = msgs[msgs.length - 1]!.queueOffset + 1;
    }
  }

  private release(p: Pending): void {
    const cursor = this.cursor!;
    const stored = p.m.message;
    const topic = stored.properties.user.get(realTopicKey);
    if (topic === undefined) {
      this.log.warn({ offset: p.m.queueOffset }, 'timer message without a real topic: dropped');
      this.ack(cursor, p.m.queueOffset);
      return;
    }
    const input = restage(stored, (u) => u.delete(realTopicKey));
    this.inflight += 1;
    this.send.send({ topic, type: MessageType.Delay, input }, topic).then(
      () => this.ack(cursor, p.m.queueOffset),
      (err: Error) => {
        // Retried at once from the heap; the send is idempotent.
        this.log.warn({ err, topic, offset: p.m.queueOffset }, 'timer release failed; retrying');
        if (this.cursor === cursor) push(this.heap, { dueMs: this.nowMs() + 100, m: p.m });
      },
    ).finally(() => (this.inflight -= 1));
  }

  private ack(cursor: PopQueue, offset: number): void {
    if (this.cursor !== cursor) return;
    if (cursor.ack(offset, 0) === 'acked') this.dirty = true;
  }
}

// A binary min-heap on dueMs (ties: lower offset first, so equal times keep arrival order).
function less(a: Pending, b: Pending): boolean {
  return a.dueMs < b.dueMs || (a.dueMs === b.dueMs && a.m.queueOffset < b.m.queueOffset);
}

function push(h: Pending[], p: Pending): void {
  h.push(p);
  let i = h.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!less(h[i]!, h[parent]!)) break;
    [h[i], h[parent]] = [h[parent]!, h[i]!];
    i = parent;
  }
}

function pop(h: Pending[]): Pending | undefined {
  const top = h[0];
  const last = h.pop();
  if (h.length > 0 && last !== undefined) {
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && less(h[l]!, h[m]!)) m = l;
      if (r < h.length && less(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
  return top;
}
