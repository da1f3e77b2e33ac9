// A map whose durable part (`base`, what LevelDB holds) is kept apart from the changes applied
// since: `pending` (being applied now) and `flushing` (being written by a checkpoint). Reads see
// the newest layer first. A snapshot is cut from `base` alone, so it matches the durable index.

import { assert } from './assert.ts';

export interface Layer<V> {
  /** `null` marks a delete. */
  readonly changes: Map<string, V | null>;
  /** The layer replaces everything below it (a snapshot restore). */
  readonly replacesAll: boolean;
}

function emptyLayer<V>(replacesAll = false): Layer<V> {
  return { changes: new Map(), replacesAll };
}

export class LayeredMap<V> {
  private base = new Map<string, V>();
  private flushing: Layer<V> | null = null;
  private pending: Layer<V> = emptyLayer();

  /** Loads the durable contents (at open). */
  load(entries: Iterable<[string, V]>): void {
    assert(this.base.size === 0 && this.pending.changes.size === 0 && this.flushing === null, 'load into a used map');
    for (const [k, v] of entries) this.base.set(k, v);
  }

  get(key: string): V | undefined {
    // Unrolled over the two layers: apply reads a topic per entry.
    const p = this.pending.changes.get(key);
    if (p !== undefined) return p === null ? undefined : p;
    if (this.pending.replacesAll) return undefined;
    const f = this.flushing;
    if (f !== null) {
      const v = f.changes.get(key);
      if (v !== undefined) return v === null ? undefined : v;
      if (f.replacesAll) return undefined;
    }
    return this.base.get(key);
  }

  set(key: string, value: V): void {
    this.pending.changes.set(key, value);
  }

  delete(key: string): void {
    this.pending.changes.set(key, null);
  }

  /** Everything, newest layer winning, sorted by key. */
  entries(prefix = ''): [string, V][] {
    const merged = new Map<string, V | null>();
    const layers = [this.pending, this.flushing].filter((l): l is Layer<V> => l !== null);
    let reachesBase = true;
    for (const layer of layers) {
      for (const [k, v] of layer.changes) if (!merged.has(k)) merged.set(k, v);
      if (layer.replacesAll) {
        reachesBase = false;
        break;
      }
    }
    if (reachesBase) for (const [k, v] of this.base) if (!merged.has(k)) merged.set(k, v);
    const out: [string, V][] = [];
    for (const [k, v] of merged) if (v !== null && k.startsWith(prefix)) out.push([k, v]);
    return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** The durable contents, sorted by key. */
  durableEntries(): [string, V][] {
    return [...this.base].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  durableKeys(): IterableIterator<string> {
    return this.base.keys();
  }

  /** Replaces the whole contents (restore); becomes durable at the next flush. */
  replaceAll(entries: Iterable<[string, V]>): void {
    this.pending = emptyLayer(true);
    for (const [k, v] of entries) this.pending.changes.set(k, v);
  }

  /** Freezes the pending changes for a checkpoint to write. */
  beginFlush(): Layer<V> {
    assert(this.flushing === null, 'a flush is already running');
    this.flushing = this.pending;
    this.pending = emptyLayer();
    return this.flushing;
  }

  /** The checkpoint holding the frozen changes is durable: fold them into base. */
  endFlush(): void {
    const layer = this.flushing;
    assert(layer !== null, 'no flush is running');
    if (layer.replacesAll) this.base = new Map();
    for (const [k, v] of layer.changes) {
      if (v === null) this.base.delete(k);
      else this.base.set(k, v);
    }
    this.flushing = null;
  }
}
