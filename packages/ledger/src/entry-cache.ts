// Recent entries kept in memory, bounded by their total data bytes, so replication to
// followers that are close behind and the state machines' apply never read the disk.

import type { Entry } from '@ledgermq/raft';
import { assert } from './assert.ts';

/** Compact the backing array once this many evicted slots accumulate at its head. */
const compactSlotsMin = 4096;

export class EntryCache {
  /** Slots before `head` are evicted and hold nothing. */
  private items: (Entry | undefined)[] = [];
  private head = 0;
  private bytes = 0;

  constructor(private readonly bytesMax: number) {
    assert(bytesMax >= 0, 'negative cache size');
  }

  /** Index of the oldest cached entry (meaningless when empty). */
  firstIndex(): number {
    return this.size() === 0 ? Infinity : this.items[this.head]!.index;
  }

  size(): number {
    return this.items.length - this.head;
  }

  has(index: number): boolean {
    return this.size() > 0 && index >= this.firstIndex() && index < this.firstIndex() + this.size();
  }

  get(index: number): Entry {
    assert(this.has(index), `entry ${index} not cached`);
    return this.items[this.head + index - this.firstIndex()]!;
  }

  push(e: Entry): void {
    if (this.size() > 0) assert(e.index === this.firstIndex() + this.size(), `cache push ${e.index} not contiguous`);
    this.items.push(e);
    this.bytes += e.data.length;
    // Bounded by the number of cached entries.
    while (this.bytes > this.bytesMax && this.size() > 0) this.evictOldest();
  }

  /** Forgets entries from `index` on (a truncated suffix). */
  truncateFrom(index: number): void {
    // Bounded by the number of cached entries.
    while (this.size() > 0 && this.items[this.items.length - 1]!.index >= index) {
      this.bytes -= this.items.pop()!.data.length;
    }
    if (this.size() === 0) this.clear();
  }

  /** Forgets entries below `index` (compacted away). */
  dropBelow(index: number): void {
    // Bounded by the number of cached entries.
    while (this.size() > 0 && this.items[this.head]!.index < index) this.evictOldest();
  }

  clear(): void {
    this.items = [];
    this.head = 0;
    this.bytes = 0;
  }

  private evictOldest(): void {
    this.bytes -= this.items[this.head]!.data.length;
    // Let go of the entry now, not at the next compaction: up to compactSlotsMin evicted 64 KiB
    // entries still referenced held 256 MiB beyond the cache's bound on every node.
    this.items[this.head] = undefined;
    this.head += 1;
    if (this.head >= compactSlotsMin && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
