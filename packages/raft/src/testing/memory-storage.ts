// An in-memory LogStorage for tests and the simulator. Writes are "durable" at once; whoever
// models crashes keeps its own notion of what was fsynced.

import { assert } from '../assert.ts';
import type { ConfState, Entry, LogStorage, Snapshot } from '../types.ts';

export class MemoryStorage implements LogStorage {
  private snap: Snapshot | null = null;
  /** ents[i] holds index first + i. */
  private ents: Entry[] = [];
  private first = 1;

  firstIndex(): number {
    return this.first;
  }

  lastIndex(): number {
    return this.first - 1 + this.ents.length;
  }

  term(index: number): number | undefined {
    if (index === this.first - 1) return this.snap?.meta.term ?? (index === 0 ? 0 : undefined);
    return this.ents[index - this.first]?.term;
  }

  entries(lo: number, hi: number, bytesMax: number): Entry[] {
    assert(lo >= this.first && hi <= this.lastIndex() + 1 && lo < hi, `entries [${lo}, ${hi}) out of range`);
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = lo; i < hi; i++) {
      if (out.length > 0 && bytes >= bytesMax) break;
      const e = this.ents[i - this.first] as Entry;
      out.push(e);
      bytes += e.data.length;
    }
    return out;
  }

  snapshot(): Snapshot | null {
    return this.snap;
  }

  /** Writes entries, truncating the log at entries[0].index first (the Ready contract). */
  append(entries: readonly Entry[]): void {
    const head = entries[0];
    if (head === undefined) return;
    assert(head.index >= this.first && head.index <= this.lastIndex() + 1, `append at ${head.index} leaves a gap`);
    this.ents = this.ents.slice(0, head.index - this.first);
    for (const e of entries) {
      assert(e.index === this.lastIndex() + 1, 'entries must be contiguous');
      this.ents.push(e);
    }
  }

  /** Replaces the whole log by a snapshot (a follower installing one from its leader). */
  installSnapshot(snap: Snapshot): void {
    this.snap = snap;
    this.ents = [];
    this.first = snap.meta.index + 1;
  }

  /** Compacts the log up to `index` into a snapshot with the given state-machine data and conf. */
  compact(index: number, data: Uint8Array, conf: ConfState): void {
    assert(index >= this.first && index <= this.lastIndex(), `compact at ${index} out of range`);
    const term = this.term(index) as number;
    this.snap = { meta: { index, term, conf: { voters: [...conf.voters] } }, data };
    this.ents = this.ents.slice(index + 1 - this.first);
    this.first = index + 1;
  }

  /** Drops everything after `index` (a crash losing unsynced writes). */
  truncateAfter(index: number): void {
    assert(index >= this.first - 1, `truncate at ${index} below the snapshot`);
    this.ents = this.ents.slice(0, Math.max(0, index + 1 - this.first));
  }
}
