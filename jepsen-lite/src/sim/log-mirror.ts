// The checker's own copy of one node's log: (term, content key) per index. Kept by the
// checker from what the node driver writes, so invariants are checked against what the
// node actually stored, independently of the node's own bookkeeping.

import { assert } from './assert.ts';

/** An entry as the checker sees it: `key` identifies the content (type + payload). */
export interface EntryView {
  readonly index: number;
  readonly term: number;
  readonly key: string;
}

export class LogMirror {
  /** Index of terms[0]. Entries before it are covered by a snapshot. */
  first = 1;
  private terms: number[] = [];
  private keys: string[] = [];

  get last(): number {
    return this.first + this.terms.length - 1;
  }

  termAt(index: number): number | undefined {
    if (index < this.first || index > this.last) return undefined;
    return this.terms[index - this.first];
  }

  keyAt(index: number): string | undefined {
    if (index < this.first || index > this.last) return undefined;
    return this.keys[index - this.first];
  }

  /** Replace everything (after a restart or a snapshot install). */
  reset(first: number, entries: readonly EntryView[]): void {
    assert(first >= 1, `first index must be ≥ 1, got ${first}`);
    this.first = first;
    this.terms = [];
    this.keys = [];
    for (const e of entries) this.push(e);
  }

  /** Append, truncating first if entries[0] overlaps the tail. Returns the removed suffix. */
  append(entries: readonly EntryView[]): EntryView[] {
    if (entries.length === 0) return [];
    const from = (entries[0] as EntryView).index;
    assert(from >= this.first && from <= this.last + 1, `append at ${from} leaves a gap (log ${this.first}..${this.last})`);
    const removed: EntryView[] = [];
    for (let i = from; i <= this.last; i++) removed.push({ index: i, term: this.termAt(i) as number, key: this.keyAt(i) as string });
    this.terms.length = from - this.first;
    this.keys.length = from - this.first;
    for (const e of entries) this.push(e);
    return removed;
  }

  private push(e: EntryView): void {
    assert(e.index === this.last + 1, `entry ${e.index} is not contiguous after ${this.last}`);
    assert(e.term >= 1, `entry ${e.index} has term ${e.term}`);
    this.terms.push(e.term);
    this.keys.push(e.key);
  }
}
