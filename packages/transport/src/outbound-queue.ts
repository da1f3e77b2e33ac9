// A bounded FIFO of messages for one peer. When full, the oldest Append messages are dropped
// first (Raft tolerates their loss: the leader probes and retransmits); votes, responses and
// heartbeats without entries are small and are kept in preference.

import type { Message } from '@ledgermq/raft';
import { assert } from './assert.ts';
import { messageTypeAppend } from './codec/format.ts';

// Compact the backing arrays once this many slots at the front are consumed.
const compactSlotsMin = 1_024;

export class OutboundQueue {
  private items: (Message | null)[] = [];
  private sizes: number[] = [];
  private head = 0;
  /** No live Append lies before this slot (it only moves forward, so drops are amortised O(1)). */
  private appendCursor = 0;
  private live = 0;
  private liveBytes = 0;

  constructor(readonly capacityBytes: number) {
    assert(Number.isSafeInteger(capacityBytes) && capacityBytes > 0, 'queue capacity must be positive');
  }

  get bytes(): number {
    return this.liveBytes;
  }

  get length(): number {
    return this.live;
  }

  /**
   * Queues `msg` of encoded size `size`, dropping the oldest Appends to make room.
   * Returns how many messages were dropped (possibly including `msg` itself).
   */
  push(msg: Message, size: number, reservedBytes = 0): number {
    assert(size > 0, 'a message has a positive size');
    const capacity = this.capacityBytes - reservedBytes;
    if (size > capacity) return 1;
    let dropped = 0;
    while (this.liveBytes + size > capacity && this.dropOldestAppend()) dropped++;
    if (this.liveBytes + size > capacity) return dropped + 1;
    this.items.push(msg);
    this.sizes.push(size);
    this.live++;
    this.liveBytes += size;
    return dropped;
  }

  /** Removes messages from the front while they fit in `bytesMax` and `countMax` (always at least one). */
  take(bytesMax: number, countMax: number): { msgs: Message[]; bytes: number } {
    const msgs: Message[] = [];
    let bytes = 0;
    while (this.head < this.items.length && msgs.length < countMax) {
      const msg = this.items[this.head];
      const size = this.sizes[this.head];
      if (msg !== null) {
        if (msgs.length > 0 && bytes + size > bytesMax) break;
        msgs.push(msg);
        bytes += size;
        this.live--;
        this.liveBytes -= size;
      }
      this.items[this.head] = null;
      this.head++;
    }
    this.compact();
    assert(this.liveBytes >= 0 && this.live >= 0, 'queue accounting went negative');
    return { msgs, bytes };
  }

  /** Empties the queue; returns how many messages were discarded. */
  clear(): number {
    const discarded = this.live;
    this.items = [];
    this.sizes = [];
    this.head = 0;
    this.appendCursor = 0;
    this.live = 0;
    this.liveBytes = 0;
    return discarded;
  }

  private dropOldestAppend(): boolean {
    let i = Math.max(this.appendCursor, this.head);
    while (i < this.items.length) {
      const msg = this.items[i];
      if (msg !== null && msg.type === messageTypeAppend) {
        this.items[i] = null;
        this.live--;
        this.liveBytes -= this.sizes[i];
        this.appendCursor = i + 1;
        return true;
      }
      i++;
    }
    this.appendCursor = i;
    return false;
  }

  private compact(): void {
    if (this.head === this.items.length) {
      this.items = [];
      this.sizes = [];
      this.appendCursor = 0;
      this.head = 0;
      return;
    }
    if (this.head < compactSlotsMin || this.head * 2 < this.items.length) return;
    this.items = this.items.slice(this.head);
    this.sizes = this.sizes.slice(this.head);
    this.appendCursor = Math.max(0, this.appendCursor - this.head);
    this.head = 0;
  }
}
