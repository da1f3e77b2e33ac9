// POP-style receive, ack and change-invisible on the leader, over every queue of a topic (the
// official client always asks for queue 0; the broker picks the queues). State per group and
// queue is a PopQueue; committed offsets are replicated through the log by the broker.

import { assert } from '../assert.ts';
import { InvalidReceiptHandleError } from '../errors.ts';
import type { QueueMessage, StorePort } from '../store-port.ts';
import type { Arrivals } from './arrivals.ts';
import { PopQueue } from './pop-queue.ts';
import { decodeReceiptHandle, encodeReceiptHandle } from './receipt-handle.ts';
import { matches, type TagFilter } from './tag-filter.ts';

/** How far past a queue's committed offset one scan looks (bounds work and the in-flight window). */
export const popWindowMax = 4_096;
export const readChunkMessages = 256;
export const batchSizeMax = 1_024;
/** A message shown again sooner than this wakes long-polling receivers by a timer. */
export const wakeTimerMsMax = 30_000;
/** Groups x queues whose POP state the leader keeps. */
export const popQueuesMax = 100_000;

export interface ReceiveRequest {
  readonly group: string;
  readonly topic: string;
  readonly filter: TagFilter;
  readonly batchSize: number;
  readonly invisibleMs: number;
  readonly longPollMs: number;
  readonly fifo: boolean;
  /** Deliveries before the message goes to the dead-letter queue. */
  readonly maxAttempts: number;
  readonly cancelled: Promise<void>;
}

export interface Received {
  readonly message: QueueMessage;
  readonly handle: string;
  readonly attempt: number;
  readonly invisibleMs: number;
}

export interface ReceiveDeps {
  readonly store: StorePort;
  readonly arrivals: Arrivals;
  readonly nowMs: () => number;
  /** The leader's term: part of every handle it makes. */
  readonly term: () => number;
  /** Stores the message in %DLQ%<group>; resolves once durable. */
  readonly toDeadLetter: (group: string, m: QueueMessage, attempts: number) => Promise<void>;
}

/** One group's POP state on one queue, with the names it is kept under. */
interface QueueEntry {
  readonly group: string;
  readonly topic: string;
  readonly queueId: number;
  readonly q: PopQueue;
}

export class ReceiveService {
  private readonly queues = new Map<string, QueueEntry>();
  private readonly dirty = new Set<string>();
  private seq = 0;
  private rotation = 0;
  /** Bumped by reset(): a long poll begun under an earlier leadership ends at once. */
  private epoch = 0;

  constructor(private readonly deps: ReceiveDeps) {}

  /**
   * Leadership changed: forget everything not in the log, and end the long polls waiting here.
   * They answer "no new message" and their clients poll again, finding the new leader; held
   * until their time ran out, a consumer would hear nothing for up to its whole poll, and a
   * poll woken later would hand out messages this node no longer owns.
   */
  reset(): void {
    this.queues.clear();
    this.dirty.clear();
    this.epoch += 1;
    this.deps.arrivals.notifyAll();
  }

  async receive(req: ReceiveRequest): Promise<Received[]> {
    assert(req.batchSize >= 1 && req.batchSize <= batchSizeMax, `batch size ${req.batchSize}`);
    // The poll's deadline is on the monotonic clock: a wall-clock jump must not stretch (or cut)
    // the time a client waits. Invisibility stays on the wall clock (receipts carry it).
    const deadline = performance.now() + req.longPollMs;
    const epoch = this.epoch;
    let gone = false;
    void req.cancelled.then(() => (gone = true));
    for (;;) {
      const got = this.scan(req);
      const left = deadline - performance.now();
      if (got.length > 0 || left <= 0) return got;
      const wake = Math.min(left, this.nextVisibleIn(req));
      await this.deps.arrivals.wait(req.topic, wake, req.cancelled);
      if (gone || this.epoch !== epoch) return [];
    }
  }

  ack(group: string, topic: string, handleText: string): 'acked' | 'already-acked' {
    const h = decodeReceiptHandle(handleText);
    if (h.topic !== topic) throw new InvalidReceiptHandleError(`receipt handle is for topic ${h.topic}, not ${topic}`);
    const q = this.popQueue(group, topic, h.queueId);
    const outcome = q.ack(h.offset, h.seq);
    if (outcome === 'stale-handle') throw new InvalidReceiptHandleError('receipt handle expired: the message was delivered again since');
    if (outcome === 'acked') this.dirty.add(key(group, topic, h.queueId));
    return outcome;
  }

  /** Returns the new handle that replaces `handleText`. */
  changeInvisible(group: string, topic: string, handleText: string, invisibleMs: number): string {
    const h = decodeReceiptHandle(handleText);
    if (h.topic !== topic) throw new InvalidReceiptHandleError(`receipt handle is for topic ${h.topic}, not ${topic}`);
    const q = this.popQueue(group, topic, h.queueId);
    const seq = ++this.seq;
    if (!q.changeInvisible(h.offset, h.seq, seq, this.deps.nowMs() + invisibleMs)) {
      throw new InvalidReceiptHandleError('receipt handle expired or already acknowledged');
    }
    // Receivers long-polling now computed their wake-up before this change: wake them when the
    // message shows again (a nack asks for about a second; bounded by the in-flight window).
    if (invisibleMs < wakeTimerMsMax) setTimeout(() => this.deps.arrivals.notify(topic), invisibleMs).unref();
    return encodeReceiptHandle({ ...h, term: this.deps.term(), seq });
  }

  /** The client gives up on a message (PushConsumer, FIFO, after its local retries). */
  async forwardToDeadLetter(group: string, topic: string, handleText: string, attempts: number): Promise<void> {
    const h = decodeReceiptHandle(handleText);
    if (h.topic !== topic) throw new InvalidReceiptHandleError(`receipt handle is for topic ${h.topic}, not ${topic}`);
    const q = this.popQueue(group, topic, h.queueId);
    if (!q.isPending(h.offset)) return; // acknowledged or dead-lettered already
    const [m] = this.deps.store.read(topic, h.queueId, h.offset, 1);
    if (m === undefined || m.queueOffset !== h.offset) throw new InvalidReceiptHandleError('the message is no longer stored');
    await this.deps.toDeadLetter(group, m, Math.max(attempts, q.attemptsOf(h.offset)));
    if (q.ack(h.offset, h.seq) === 'acked') this.dirty.add(key(group, topic, h.queueId));
  }

  /** An explicit offset update (reset, or an offset-based consumer): reload from the log. */
  forget(group: string, topic: string, queueId: number): void {
    const k = key(group, topic, queueId);
    this.queues.delete(k);
    this.dirty.delete(k);
  }

  /** Committed offsets changed since the last call: [group, topic, queueId, offset]. */
  takeDirtyOffsets(): [string, string, number, number][] {
    const out: [string, string, number, number][] = [];
    for (const k of this.dirty) {
      const e = this.queues.get(k);
      if (e !== undefined) out.push([e.group, e.topic, e.queueId, e.q.committed]);
    }
    this.dirty.clear();
    return out;
  }

  inflight(group: string, topic: string): number {
    let n = 0;
    for (const e of this.queues.values()) if (e.group === group && e.topic === topic) n += e.q.inflightCount;
    return n;
  }

  private scan(req: ReceiveRequest): Received[] {
    const topic = this.deps.store.topic(req.topic);
    if (topic === undefined) return [];
    const out: Received[] = [];
    const n = topic.readQueueNums;
    const start = this.rotation++ % Math.max(1, n);
    for (let i = 0; i < n && out.length < req.batchSize; i++) {
      this.scanQueue(req, (start + i) % n, out);
    }
    return out;
  }

  private scanQueue(req: ReceiveRequest, queueId: number, out: Received[]): void {
    const q = this.popQueue(req.group, req.topic, queueId);
    const bounds = this.deps.store.bounds(req.topic, queueId);
    q.raiseFloor(bounds.min);
    const now = this.deps.nowMs();
    const blocked = new Set<string>();
    const end = Math.min(bounds.max, q.committed + popWindowMax);
    for (let from = q.committed; from < end && out.length < req.batchSize; ) {
      let count = Math.min(readChunkMessages, end - from);
      if (!req.fifo) {
        // Reading decodes every message: skip what is in flight or acked (bounded by the pop
        // window), then read only the run of deliverable offsets the batch still needs. A FIFO
        // scan must read in-flight messages too: their message groups block later ones.
        while (from < end && !q.isReady(from, now)) from++;
        if (from >= end) break;
        const want = Math.min(count, end - from, req.batchSize - out.length);
        count = 1;
        while (count < want && q.isReady(from + count, now)) count++;
      }
      const msgs = this.deps.store.read(req.topic, queueId, from, count);
      if (msgs.length === 0) break;
      for (const m of msgs) {
        if (out.length >= req.batchSize) break;
        this.consider(req, q, queueId, m, now, blocked, out);
      }
      from = msgs[msgs.length - 1]!.queueOffset + 1;
    }
  }

  private consider(req: ReceiveRequest, q: PopQueue, queueId: number, m: QueueMessage, now: number, blocked: Set<string>, out: Received[]): void {
    const o = m.queueOffset;
    if (!q.isPending(o)) return;
    const group = req.fifo ? m.message.properties.messageGroup : null;
    if (group !== null && blocked.has(group)) return;
    if (!matches(req.filter, m.message.properties.tags)) {
      // Not for this group: consumed by filtering, as RocketMQ does.
      q.ack(o, 0);
      this.dirty.add(key(req.group, req.topic, queueId));
      return;
    }
    // In FIFO order a message group's next message waits for this one, wherever it stands.
    if (group !== null) blocked.add(group);
    if (!q.isReady(o, now)) return;
    if (q.attemptsOf(o) >= req.maxAttempts) {
      this.deadLetter(req, q, queueId, m, now);
      return;
    }
    const seq = ++this.seq;
    const d = q.deliver(o, seq, now, req.invisibleMs);
    const handle = encodeReceiptHandle({ term: this.deps.term(), topic: req.topic, queueId, offset: o, seq });
    out.push({ message: m, handle, attempt: d.attempt, invisibleMs: req.invisibleMs });
  }

  private deadLetter(req: ReceiveRequest, q: PopQueue, queueId: number, m: QueueMessage, now: number): void {
    const attempts = q.attemptsOf(m.queueOffset);
    const seq = ++this.seq;
    // Hidden while the copy is stored; acked once it is durable, retried if it failed.
    q.deliver(m.queueOffset, seq, now, 60_000);
    this.deps.toDeadLetter(req.group, m, attempts).then(
      () => {
        if (q.ack(m.queueOffset, seq) === 'acked') this.dirty.add(key(req.group, req.topic, queueId));
      },
      () => q.changeInvisible(m.queueOffset, seq, ++this.seq, this.deps.nowMs()),
    );
  }

  private nextVisibleIn(req: ReceiveRequest): number {
    const now = this.deps.nowMs();
    let min = Infinity;
    for (const e of this.queues.values()) {
      if (e.group !== req.group || e.topic !== req.topic) continue;
      const at = e.q.nextVisibleAtMs();
      if (at !== null) min = Math.min(min, Math.max(1, at - now));
    }
    return min;
  }

  private popQueue(group: string, topic: string, queueId: number): PopQueue {
    const k = key(group, topic, queueId);
    let q = this.queues.get(k)?.q;
    if (q === undefined) {
      if (this.queues.size >= popQueuesMax) this.evictIdle();
      // A group new to this queue starts at the oldest stored message (nothing is skipped).
      const committed = this.deps.store.committedOffset(group, topic, queueId) ?? this.deps.store.bounds(topic, queueId).min;
      q = new PopQueue(committed);
      this.queues.set(k, { group, topic, queueId, q });
    }
    return q;
  }

  private evictIdle(): void {
    for (const [k, e] of this.queues) {
      if (e.q.inflightCount === 0 && !this.dirty.has(k)) this.queues.delete(k);
    }
  }
}

function key(group: string, topic: string, queueId: number): string {
  return JSON.stringify([group, topic, queueId]);
}
