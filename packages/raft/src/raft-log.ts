// The core's view of its log: durable entries in LogStorage, plus the unstable tail that is
// in memory until the driver reports it fsynced, plus a snapshot from the leader that the
// driver has not installed yet.
//
// Invariants:
//   - every index < offset is held by storage (or the pending snapshot), every index >= offset
//     by `unstable`; lastIndex() = offset - 1 + unstable.length;
//   - entries up to handedTo were given to the driver (Ready.entries) to write;
//   - persistedIndex <= handedTo: only written entries can be fsynced.

import { assert } from './assert.ts';
import type { Entry, LogStorage, Snapshot } from './types.ts';

export class RaftLog {
  private readonly storage: LogStorage;
  private unstable: Entry[] = [];
  private offset: number;
  private handedTo: number;
  /** Highest index known fsynced in the current log. */
  persistedIndex: number;
  /** A snapshot received from the leader, until the driver reports it installed. */
  private snapshot: Snapshot | null = null;
  private snapshotHanded = false;

  constructor(storage: LogStorage) {
    this.storage = storage;
    const last = storage.lastIndex();
    assert(last >= storage.firstIndex() - 1, `storage lastIndex ${last} below firstIndex ${storage.firstIndex()}`);
    this.offset = last + 1;
    this.handedTo = last;
    // What survived a restart is what the ledger recovered from disk.
    this.persistedIndex = last;
  }

  firstIndex(): number {
    return this.snapshot !== null ? this.snapshot.meta.index + 1 : this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.offset - 1 + this.unstable.length;
  }

  lastTerm(): number {
    const t = this.term(this.lastIndex());
    assert(t !== undefined, `no term for last index ${this.lastIndex()}`);
    return t;
  }

  /** Term at `index`; undefined when compacted or beyond the end. */
  term(index: number): number | undefined {
    if (index >= this.offset) return this.unstable[index - this.offset]?.term;
    if (this.snapshot !== null) {
      return index === this.snapshot.meta.index ? this.snapshot.meta.term : undefined;
    }
    if (index === 0) return 0;
    return this.storage.term(index);
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  /** Entries [lo, hi), at least one when lo < hi, stopping once bytesMax of data is reached. */
  entries(lo: number, hi: number, bytesMax: number): Entry[] {
    assert(lo >= this.firstIndex() && hi <= this.lastIndex() + 1 && lo <= hi, `entries [${lo}, ${hi}) out of range`);
    const out: Entry[] = [];
    let bytes = 0;
    if (lo < this.offset) {
      const stored = this.storage.entries(lo, Math.min(hi, this.offset), bytesMax);
      assert(stored.length > 0 && stored[0]?.index === lo, `storage returned no entry at ${lo}`);
      for (const e of stored) {
        out.push(e);
        bytes += e.data.length;
      }
      const next = lo + stored.length;
      if (next < Math.min(hi, this.offset) || bytes >= bytesMax) return out;
    }
    for (let i = Math.max(lo, this.offset); i < hi; i++) {
      if (out.length > 0 && bytes >= bytesMax) break;
      const e = this.unstable[i - this.offset];
      assert(e !== undefined && e.index === i, `unstable entry ${i} missing`);
      out.push(e);
      bytes += e.data.length;
    }
    return out;
  }

  /** Leader path: entries continuing the log. */
  append(entries: readonly Entry[]): void {
    for (const e of entries) {
      assert(e.index === this.lastIndex() + 1, `append of ${e.index} after ${this.lastIndex()}`);
      this.unstable.push(e);
    }
  }

  /** Follower path: replace everything from entries[0].index on with `entries`. */
  truncateAndAppend(entries: readonly Entry[]): void {
    const first = entries[0];
    assert(first !== undefined, 'truncateAndAppend without entries');
    assert(first.index >= this.firstIndex() && first.index <= this.lastIndex() + 1, `truncate at ${first.index} out of range`);
    if (first.index >= this.offset) {
      this.unstable = this.unstable.slice(0, first.index - this.offset).concat(entries);
    } else {
      this.offset = first.index;
      this.unstable = entries.slice();
    }
    this.handedTo = Math.min(this.handedTo, first.index - 1);
    this.persistedIndex = Math.min(this.persistedIndex, first.index - 1);
  }

  /** Largest index <= `index` whose term is <= `term` (or the log's start): one round trip per term. */
  findConflictByTerm(index: number, term: number): number {
    const floor = this.firstIndex() - 1;
    let i = Math.min(index, this.lastIndex());
    for (; i > floor; i--) {
      const t = this.term(i);
      if (t === undefined || t <= term) break;
    }
    return i;
  }

  /** Replaces the whole log by a snapshot from the leader. */
  restore(snapshot: Snapshot): void {
    this.snapshot = snapshot;
    this.snapshotHanded = false;
    this.offset = snapshot.meta.index + 1;
    this.unstable = [];
    this.handedTo = snapshot.meta.index;
    this.persistedIndex = Math.min(this.persistedIndex, snapshot.meta.index - 1);
  }

  /** The leader's own snapshot, sent to followers that need compacted entries. */
  storageSnapshot(): Snapshot | null {
    return this.storage.snapshot();
  }

  snapshotInstalling(): boolean {
    return this.snapshot !== null;
  }

  hasUnhanded(): boolean {
    return (this.snapshot !== null && !this.snapshotHanded) || this.lastIndex() > this.handedTo;
  }

  takeSnapshot(): Snapshot | null {
    if (this.snapshot === null || this.snapshotHanded) return null;
    this.snapshotHanded = true;
    return this.snapshot;
  }

  takeEntries(): Entry[] {
    if (this.lastIndex() <= this.handedTo) return [];
    const out = this.unstable.slice(this.handedTo + 1 - this.offset);
    this.handedTo = this.lastIndex();
    return out;
  }

  /** The driver fsynced everything up to (index, term). Returns true if that is news. */
  stableTo(index: number, term: number): boolean {
    const snap = this.snapshot;
    if (snap !== null) {
      if (!this.snapshotHanded || index < snap.meta.index) return false;
      if (index === snap.meta.index && term !== snap.meta.term) return false;
      // The driver installs the snapshot before it reports anything at or after it.
      this.snapshot = null;
      this.persistedIndex = Math.max(this.persistedIndex, snap.meta.index);
    }
    if (index <= this.persistedIndex || index > this.handedTo || this.term(index) !== term) {
      return snap !== null;
    }
    this.persistedIndex = index;
    if (index >= this.offset) {
      this.unstable = this.unstable.slice(index + 1 - this.offset);
      this.offset = index + 1;
    }
    return true;
  }
}
