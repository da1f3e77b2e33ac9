// Look-ups by client message id (UNIQ_KEY), by topic + key, and by topic + store-time range.
// Entries are added at apply time into an in-memory layer (visible at once) and written to
// LevelDB by the state machine's checkpoint, in the same batch as the applied index. Results
// are bounded and newest first (by physical offset, which grows with log order).
//
// Keys (all under `idx/`): `u/<uniqKey>\0<pos>`, `k/<topic>\0<key>\0<pos>`,
// `t/<topic>\0<storeTimeMs>\0<pos>`, with numbers zero-padded so that key order is numeric order.

import { assert } from './assert.ts';
import { queryResultsDefault, queryResultsMax } from './constants.ts';
import { MalformedError } from './errors.ts';
import type { DbOp, StoreDb } from './store-db.ts';
import { prefixEnd } from './store-db.ts';

export interface IndexHit {
  readonly topic: string;
  readonly queueId: number;
  readonly queueOffset: number;
  readonly physicalOffset: number;
  readonly size: number;
  readonly storeTimestampMs: number;
}

export interface IndexedMessage extends IndexHit {
  readonly uniqKey: string | null;
  readonly keys: readonly string[];
}

const root = 'idx/';
const pad = (n: number): string => String(n).padStart(16, '0');
const sep = '\u0000';

// Client strings are escaped so that a separator inside a key cannot alias another key's range.
const esc = (s: string): string => encodeURIComponent(s);

function uniqPrefix(uniqKey: string): string {
  return `${root}u/${esc(uniqKey)}${sep}`;
}

function keyPrefix(topic: string, key: string): string {
  return `${root}k/${topic}${sep}${esc(key)}${sep}`;
}

function timePrefix(topic: string): string {
  return `${root}t/${topic}${sep}`;
}

/** One in-memory layer: every entry, plus the id and key entries grouped by their look-up prefix. */
class Layer {
  readonly entries = new Map<string, IndexHit>();
  /** prefix (uniqPrefix / keyPrefix) -> entries under it: a look-up must not scan the layer. */
  readonly groups = new Map<string, Map<string, IndexHit>>();

  set(key: string, hit: IndexHit): void {
    this.entries.set(key, hit);
    if (!key.startsWith(`${root}u/`) && !key.startsWith(`${root}k/`)) return;
    const prefix = key.slice(0, key.lastIndexOf(sep) + 1);
    let g = this.groups.get(prefix);
    if (g === undefined) {
      g = new Map();
      this.groups.set(prefix, g);
    }
    g.set(key, hit);
  }

  /** Entries with gte <= key < lt: through the group when the range is exactly one prefix. */
  collect(gte: string, lt: string, into: Map<string, IndexHit>): void {
    if (lt === prefixEnd(gte) && (gte.startsWith(`${root}u/`) || gte.startsWith(`${root}k/`))) {
      for (const [k, hit] of this.groups.get(gte) ?? []) into.set(k, hit);
      return;
    }
    for (const [k, hit] of this.entries) if (k >= gte && k < lt) into.set(k, hit);
  }
}

export class MessageIndex {
  private pending = new Layer();
  private flushing: Layer | null = null;

  constructor(private readonly db: StoreDb) {}

  add(m: IndexedMessage): void {
    const hit: IndexHit = {
      topic: m.topic, queueId: m.queueId, queueOffset: m.queueOffset,
      physicalOffset: m.physicalOffset, size: m.size, storeTimestampMs: m.storeTimestampMs,
    };
    const pos = pad(m.physicalOffset);
    if (m.uniqKey !== null) this.pending.set(uniqPrefix(m.uniqKey) + pos, hit);
    for (const key of new Set(m.keys)) this.pending.set(keyPrefix(m.topic, key) + pos, hit);
    this.pending.set(`${timePrefix(m.topic)}${pad(m.storeTimestampMs)}${sep}${pos}`, hit);
  }

  byUniqKey(uniqKey: string, limit = queryResultsDefault): Promise<IndexHit[]> {
    const p = uniqPrefix(uniqKey);
    return this.range(p, prefixEnd(p), limit);
  }

  byKey(topic: string, key: string, limit = queryResultsDefault): Promise<IndexHit[]> {
    const p = keyPrefix(topic, key);
    return this.range(p, prefixEnd(p), limit);
  }

  /** Messages of `topic` stored in [beginMs, endMs). */
  byTimeRange(topic: string, beginMs: number, endMs: number, limit = queryResultsDefault): Promise<IndexHit[]> {
    assert(beginMs <= endMs, `time range [${beginMs}, ${endMs}) is reversed`);
    const p = timePrefix(topic);
    return this.range(p + pad(beginMs), p + pad(endMs), limit);
  }

  /** Freezes the pending entries as LevelDB puts for a checkpoint. */
  beginFlush(): DbOp[] {
    assert(this.flushing === null, 'an index flush is already running');
    this.flushing = this.pending;
    this.pending = new Layer();
    return [...this.flushing.entries].map(([key, hit]) => ({ type: 'put', key, value: Buffer.from(JSON.stringify(hit)) }));
  }

  endFlush(): void {
    assert(this.flushing !== null, 'no index flush is running');
    this.flushing = null;
  }

  /** In-memory and durable hits with gte <= key < lt, newest (largest key) first. */
  private async range(gte: string, lt: string, limit: number): Promise<IndexHit[]> {
    assert(Number.isInteger(limit) && limit >= 1 && limit <= queryResultsMax, `limit ${limit} outside [1, ${queryResultsMax}]`);
    const found = new Map<string, IndexHit>();
    // Layers first: they are taken synchronously, before LevelDB is read, so an entry moving
    // from a layer into LevelDB during the await is still found in one or the other.
    for (const layer of [this.pending, this.flushing]) layer?.collect(gte, lt, found);
    for await (const [k, v] of this.db.iterator({ gte, lt, reverse: true, limit })) {
      if (!found.has(k)) found.set(k, decodeHit(k, v));
    }
    return [...found].sort(([a], [b]) => (a < b ? 1 : a > b ? -1 : 0)).slice(0, limit).map(([, h]) => h);
  }
}

function decodeHit(key: string, v: Uint8Array): IndexHit {
  try {
    return JSON.parse(Buffer.from(v).toString('utf8')) as IndexHit;
  } catch (err) {
    throw new MalformedError('index entry', JSON.stringify(key), { cause: err });
  }
}
