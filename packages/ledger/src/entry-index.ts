// The in-memory index: position, size and term of every entry held, in typed arrays so
// term(i) and location(i) are O(1) and cost no allocation.

import { assert } from './assert.ts';
import { indexCapacityInitialEntries } from './constants.ts';

export class EntryIndex {
  /** Index of record 0. */
  firstIndex: number;
  /** Term of firstIndex - 1 (0 when unknown or none). */
  prevTerm: number;
  /** Position of firstIndex (where the log starts). */
  firstPos: number;
  count = 0;
  /** Record found by the last indexHolding(): where the next search starts. */
  private found = 0;
  private pos: Float64Array;
  private size: Uint32Array;
  private term: Float64Array;

  constructor(firstIndex: number, prevTerm: number, firstPos: number) {
    assert(Number.isSafeInteger(firstIndex) && firstIndex >= 1, `bad first index ${firstIndex}`);
    this.firstIndex = firstIndex;
    this.prevTerm = prevTerm;
    this.firstPos = firstPos;
    this.pos = new Float64Array(indexCapacityInitialEntries);
    this.size = new Uint32Array(indexCapacityInitialEntries);
    this.term = new Float64Array(indexCapacityInitialEntries);
  }

  lastIndex(): number {
    return this.firstIndex + this.count - 1;
  }

  has(index: number): boolean {
    return index >= this.firstIndex && index < this.firstIndex + this.count;
  }

  push(pos: number, size: number, term: number): void {
    if (this.count === this.pos.length) this.grow();
    this.pos[this.count] = pos;
    this.size[this.count] = size;
    this.term[this.count] = term;
    this.count += 1;
  }

  posOf(index: number): number {
    // The message is built only on failure: the read paths call this several times per entry.
    if (!this.has(index)) assert(false, `index ${index} not held`);
    return this.pos[index - this.firstIndex];
  }

  sizeOf(index: number): number {
    if (!this.has(index)) assert(false, `index ${index} not held`);
    return this.size[index - this.firstIndex];
  }

  termOf(index: number): number | undefined {
    if (index === this.firstIndex - 1) return this.prevTerm;
    if (!this.has(index)) return undefined;
    return this.term[index - this.firstIndex];
  }

  /** Keeps the first `count` records (entries from firstIndex+count on are gone). */
  truncate(count: number): void {
    assert(count >= 0 && count <= this.count, `truncate to ${count} of ${this.count}`);
    this.count = count;
  }

  /** Drops the first `n` records (retention): the log now starts at firstIndex + n. */
  dropFront(n: number, newFirstPos: number): void {
    assert(n >= 0 && n <= this.count, `drop ${n} of ${this.count}`);
    if (n === 0) return;
    this.prevTerm = this.term[n - 1];
    this.pos.copyWithin(0, n, this.count);
    this.size.copyWithin(0, n, this.count);
    this.term.copyWithin(0, n, this.count);
    this.count -= n;
    this.firstIndex += n;
    this.firstPos = newFirstPos;
  }

  /** Number of records whose position is below `pos` (binary search; positions increase). */
  countBelow(pos: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.pos[mid] < pos) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the entry whose bytes hold `pos`; null when none does (below the first, padding, past the last). */
  indexHolding(pos: number): number | null {
    const k = this.lastAtOrBelow(pos);
    if (k < 0 || pos >= this.pos[k] + this.size[k]) return null;
    return this.firstIndex + k;
  }

  /**
   * The last record whose position is at or below `pos`, -1 if none: a gallop forward from the
   * record found last (a queue's next message is usually a few entries further), then a binary
   * search of the bracket; a binary search below the hint when pos lies before it. Any hint in
   * range gives the right answer (truncation and retention only make it a worse one).
   */
  private lastAtOrBelow(pos: number): number {
    const n = this.count;
    if (n === 0 || pos < this.pos[0]) return -1;
    let lo = 0; // pos[lo] <= pos
    let hi = n; // hi === n or pos[hi] > pos
    const h = Math.min(this.found, n - 1);
    if (this.pos[h] <= pos) {
      lo = h;
      let step = 1;
      // Bounded: step doubles until it passes pos or the last record.
      while (lo + step < n && this.pos[lo + step] <= pos) {
        lo += step;
        step *= 2;
      }
      hi = Math.min(lo + step, n);
    } else {
      hi = h;
    }
    // Bounded: the bracket halves each round.
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if (this.pos[mid] <= pos) lo = mid;
      else hi = mid;
    }
    this.found = lo;
    return lo;
  }

  private grow(): void {
    const cap = this.pos.length * 2;
    const pos = new Float64Array(cap);
    pos.set(this.pos);
    const size = new Uint32Array(cap);
    size.set(this.size);
    const term = new Float64Array(cap);
    term.set(this.term);
    this.pos = pos;
    this.size = size;
    this.term = term;
  }
}
