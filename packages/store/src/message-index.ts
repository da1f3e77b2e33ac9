// Look-ups by client message id (UNIQ_KEY) and by topic + key. Entries are added at apply time
// into an in-memory layer (visible at once) and written to LevelDB by the state machine's
// checkpoint, in the same batch as the applied index. Results are bounded and newest first (by
// physical offset, which grows with log order). Look-ups by store time are answered from the
// ConsumeQueues instead (MessageReader.byTimeRange): they are already ordered by time.
//
// Retention: entries naming a physical offset below the log's first retained entry (`floor()`)
// are never returned, and sweepStep() deletes them from LevelDB in bounded batches.
//
// LevelDB keys are binary (MESSAGE-FORMAT.md): `idx/u` u16 len + uniqKey + pos u64 BE, and
// `idx/k` u8 len + topic + u16 len + key + pos u64 BE. The position last makes key order the
// log order within one look-up prefix, and the length prefixes keep one id or key from
// aliasing another's range. Values: queueId u16, queueOffset u64, size u32, storeTimestampMs
// u64 (little-endian), and for `u` entries the topic (u8 len + bytes).
//
// Id blocks: each checkpoint also writes the ids it flushes as a few `idx/b` + pos u64 BE
// entries (pos of the block's last message) whose value is the ids, each u16 BE length +
// UTF-8. The broker rebuilds its stored-id filter from every id at each start, and reading a
// million `idx/u` keys out of LevelDB cost ~1.7 µs of main-thread CPU per key (seconds, on
// every node at once after a group restart); the blocks give the same ids in a few dozen
// values. Which ids share a block depends on when checkpoints ran: node-specific, left out of
// replica digests. Whether the blocks hold every id is the state machine's to say (it records
// that with each checkpoint, store-state-machine.ts); when they may not (a store that an older
// version checkpointed), flushedUniqKeys() reads the `idx/u` keys as before.

import { assert } from './assert.ts';
import {
  indexSweepKeysPerBatch, queryResultsDefault, queryResultsMax, stringBytesMax, topicNameCharsMax, uniqBlockBytesMax, uniqBlockScanBatchBlocks,
  uniqKeyScanBatchKeys,
} from './constants.ts';
import { MalformedError } from './errors.ts';
import type { BatchSink, StoreDb } from './store-db.ts';

export interface IndexHit {
  readonly topic: string;
  readonly queueId: number;
  readonly queueOffset: number;
  readonly physicalOffset: number;
  readonly size: number;
  readonly storeTimestampMs: number;
}

const twoTo32 = 2 ** 32;
const uniqTag = Buffer.from('idx/u', 'latin1');
const keyTag = Buffer.from('idx/k', 'latin1');
const blockTag = Buffer.from('idx/b', 'latin1');
/** Every index key lies in [indexStart, indexEnd). */
const indexStart = Buffer.from('idx/', 'latin1');
const indexEnd = Buffer.from('idx0', 'latin1');
const tagBytes = 5;
const posBytes = 8;
/** queueId, queueOffset, size, storeTimestampMs. */
const hitValueBytes = 2 + 8 + 4 + 8;
/** The largest key or value the index writes (a key of stringBytesMax plus framing). */
const scratchBytes = 2 * stringBytesMax + 4 * topicNameCharsMax + 64;

function newColumns(n: number): Record<(typeof columns)[number], Float64Array> {
  return { queueId: new Float64Array(n), queueOffset: new Float64Array(n), physicalOffset: new Float64Array(n), size: new Float64Array(n), storeTimestampMs: new Float64Array(n) };
}

/** Slots of one layer under one look-up value: a number while there is one (the usual case). */
type Slots = number | number[];

function addSlot(map: Map<string, Slots>, key: string, slot: number): void {
  const have = map.get(key);
  if (have === undefined) map.set(key, slot);
  else if (typeof have === 'number') map.set(key, [have, slot]);
  else have.push(slot);
}

/** Number columns of a layer, one slot per message (no object per message until a look-up). */
const columns = ['queueId', 'queueOffset', 'physicalOffset', 'size', 'storeTimestampMs'] as const;
const layerSlotsInitial = 1024;

/** One in-memory layer: the hits in apply order, grouped by uniqKey and by topic + key. */
class Layer {
  private slots = 0;
  private cols: Record<(typeof columns)[number], Float64Array> = newColumns(layerSlotsInitial);
  readonly topics: string[] = [];
  readonly uniqs: (string | null)[] = [];
  readonly keyLists: (readonly string[])[] = [];
  // Built on the first look-up after adds, not at apply: a follower (and a leader whose
  // producers send no retries) never pays for them.
  private readonly byUniq = new Map<string, Slots>();
  private readonly byKey = new Map<string, Slots>();
  private uniqsBuilt = 0;
  private keysBuilt = 0;

  get size(): number {
    return this.slots;
  }

  add(topic: string, queueId: number, queueOffset: number, physicalOffset: number, size: number, storeTimestampMs: number, uniqKey: string | null, keys: readonly string[]): void {
    const s = this.slots;
    if (s === this.cols.queueId.length) this.grow();
    const c = this.cols;
    c.queueId[s] = queueId;
    c.queueOffset[s] = queueOffset;
    c.physicalOffset[s] = physicalOffset;
    c.size[s] = size;
    c.storeTimestampMs[s] = storeTimestampMs;
    this.topics.push(topic);
    this.uniqs.push(uniqKey);
    this.keyLists.push(keys);
    this.slots = s + 1;
  }

  physicalOffset(s: number): number {
    return this.cols.physicalOffset[s];
  }

  hit(s: number): IndexHit {
    const c = this.cols;
    return { topic: this.topics[s], queueId: c.queueId[s], queueOffset: c.queueOffset[s], physicalOffset: c.physicalOffset[s], size: c.size[s], storeTimestampMs: c.storeTimestampMs[s] };
  }

  /** Slot s's LevelDB value (without the topic) at `at`; returns where it ends. */
  writeValue(b: Buffer, at: number, s: number): number {
    const c = this.cols;
    return putHitValue(b, at, c.queueId[s], c.queueOffset[s], c.size[s], c.storeTimestampMs[s]);
  }

  private grow(): void {
    const next = newColumns(this.cols.queueId.length * 2);
    for (const k of columns) next[k].set(this.cols[k]);
    this.cols = next;
  }

  /** Every message id of the layer, into `into` (repeats included). */
  collectAllUniqs(into: string[]): void {
    for (let s = 0; s < this.slots; s++) {
      const u = this.uniqs[s];
      if (u !== null) into.push(u);
    }
  }

  collectUniq(uniqKey: string, floor: number, into: Map<number, IndexHit>): void {
    this.buildUniqs();
    this.collect(this.byUniq.get(uniqKey), floor, into);
  }

  collectKey(topic: string, key: string, floor: number, into: Map<number, IndexHit>): void {
    this.buildKeys();
    this.collect(this.byKey.get(`${topic}\u0000${key}`), floor, into);
  }

  private buildUniqs(): void {
    for (; this.uniqsBuilt < this.slots; this.uniqsBuilt++) {
      const u = this.uniqs[this.uniqsBuilt];
      if (u !== null) addSlot(this.byUniq, u, this.uniqsBuilt);
    }
  }

  private buildKeys(): void {
    for (; this.keysBuilt < this.slots; this.keysBuilt++) {
      const keys = this.keyLists[this.keysBuilt];
      const topic = this.topics[this.keysBuilt];
      for (let k = 0; k < keys.length; k++) {
        if (keys.indexOf(keys[k]) !== k) continue; // a key repeated in one message is one entry
        addSlot(this.byKey, `${topic}\u0000${keys[k]}`, this.keysBuilt);
      }
    }
  }

  private collect(slots: Slots | undefined, floor: number, into: Map<number, IndexHit>): void {
    if (slots === undefined) return;
    for (const s of typeof slots === 'number' ? [slots] : slots) {
      const pos = this.physicalOffset(s);
      if (pos >= floor) into.set(pos, this.hit(s));
    }
  }
}

/** Whether the database holds any `idx/u` entry (a store with none has every id in blocks). */
export async function hasUniqKeys(db: StoreDb): Promise<boolean> {
  const lt = Buffer.from(uniqTag);
  lt[lt.length - 1]! += 1;
  return (await db.keys({ gte: uniqTag, lt, limit: 1 }).all()).length > 0;
}

export class MessageIndex {
  private pending = new Layer();
  private flushing: Layer | null = null;
  /** Entries of the frozen layer written into the checkpoint's batch so far (flushSlice). */
  private flushedSlots = 0;
  private readonly scratch = Buffer.allocUnsafe(scratchBytes);
  /** Where an id block is assembled: at most uniqBlockBytesMax plus one id. */
  private readonly blockScratch = Buffer.allocUnsafe(uniqBlockBytesMax + 2 + stringBytesMax);
  private readonly blockKey = Buffer.allocUnsafe(tagBytes + posBytes);

  /**
   * `floor()`: the first physical offset the log still holds; entries below it are gone.
   * `blocksComplete`: every flushed id is in an `idx/b` block (see the header), so
   * flushedUniqKeys() reads the blocks. Checkpoints write blocks either way.
   */
  constructor(
    private readonly db: StoreDb,
    private readonly floor: () => number,
    private readonly sweepKeysPerStep = indexSweepKeysPerBatch,
    readonly blocksComplete = false,
  ) {
    assert(Number.isInteger(sweepKeysPerStep) && sweepKeysPerStep >= 1, `sweepKeysPerStep ${sweepKeysPerStep}`);
  }

  /** Entries applied but not yet handed to a checkpoint. */
  pendingCount(): number {
    return this.pending.size;
  }

  /** Indexes an applied message by its client id and keys (`keys` is kept, not copied). */
  add(hit: IndexHit, uniqKey: string | null, keys: readonly string[]): void {
    this.pending.add(hit.topic, hit.queueId, hit.queueOffset, hit.physicalOffset, hit.size, hit.storeTimestampMs, uniqKey, keys);
  }

  /** add() without a hit object: apply indexes every message. */
  addMessage(topic: string, queueId: number, queueOffset: number, physicalOffset: number, size: number, storeTimestampMs: number, uniqKey: string | null, keys: readonly string[]): void {
    this.pending.add(topic, queueId, queueOffset, physicalOffset, size, storeTimestampMs, uniqKey, keys);
  }

  byUniqKey(uniqKey: string, limit = queryResultsDefault): Promise<IndexHit[]> {
    checkLimit(limit);
    const floor = this.floor();
    const found = new Map<number, IndexHit>();
    // Layers first, synchronously, before LevelDB is read: an entry moving from a layer into
    // LevelDB during the await is still found in one or the other.
    for (const layer of [this.pending, this.flushing]) layer?.collectUniq(uniqKey, floor, found);
    const prefix = Buffer.concat([uniqTag, lengthPrefixed(uniqKey, 2)]);
    return this.range(prefix, floor, limit, found, (v) => decodeHit(v, null));
  }

  /**
   * Every message id in the unflushed layers (synchronous: no LevelDB read). Together with a
   * flushedUniqKeys() scan started in the same turn they are every id applied so far: an
   * entry leaves the layers only after its LevelDB write, and the scan reads LevelDB as it
   * was when the scan was made. For the broker's stored-id filter.
   */
  unflushedUniqKeys(): string[] {
    const ids: string[] = [];
    this.pending.collectAllUniqs(ids);
    this.flushing?.collectAllUniqs(ids);
    return ids;
  }

  /**
   * Every message id in LevelDB (not the unflushed layers), each at least once, in no
   * particular order. For the broker's stored-id filter, which reads them all at every start:
   * from the id blocks when they hold every id (see the header), else from the `idx/u` keys.
   */
  flushedUniqKeys(): AsyncIterableIterator<string> {
    return new UniqKeyScan(this.db, this.blocksComplete);
  }

  byKey(topic: string, key: string, limit = queryResultsDefault): Promise<IndexHit[]> {
    checkLimit(limit);
    const floor = this.floor();
    const found = new Map<number, IndexHit>();
    for (const layer of [this.pending, this.flushing]) layer?.collectKey(topic, key, floor, found);
    const prefix = Buffer.concat([keyTag, lengthPrefixed(topic, 1), lengthPrefixed(key, 2)]);
    return this.range(prefix, floor, limit, found, (v) => decodeHit(v, topic));
  }

  /**
   * Freezes the pending entries for a checkpoint (look-ups still see them until endFlush()).
   * flushSlice() then writes them into the checkpoint's batch a slice at a time, so that a
   * checkpoint of many messages never holds the event loop for long.
   */
  beginFlush(): void {
    assert(this.flushing === null, 'an index flush is already running');
    this.flushing = this.pending;
    this.flushedSlots = 0;
    this.pending = new Layer();
  }

  /**
   * Writes up to `slotsMax` more frozen entries into `sink` as puts, one id entry and one entry
   * per distinct key per message, and after the last one the id blocks. True once everything
   * frozen is written. Synchronous: the batch copies each key and value, so one scratch
   * buffer serves them all.
   */
  flushSlice(sink: BatchSink, slotsMax: number): boolean {
    const layer = this.flushing;
    assert(layer !== null, 'no index flush is running');
    assert(Number.isInteger(slotsMax) && slotsMax >= 1, `slotsMax ${slotsMax}`);
    const end = Math.min(layer.size, this.flushedSlots + slotsMax);
    const b = this.scratch;
    // The values always start the scratch buffer, so one view serves every message (the batch
    // copies what it is given); the `u` value's view changes only with the topic's length.
    const kValue = b.subarray(0, hitValueBytes);
    let uValue = kValue;
    for (let s = this.flushedSlots; s < end; s++) {
      const topic = layer.topics[s];
      const pos = layer.physicalOffset(s);
      // The value first (once per message): the `k` entries use its first hitValueBytes.
      let at = layer.writeValue(b, 0, s);
      assert(at === hitValueBytes, 'index value of unexpected size');
      at = putString(b, at, topic, 1);
      if (uValue.length !== at) uValue = b.subarray(0, at);
      const uniq = layer.uniqs[s];
      if (uniq !== null) {
        const keyEnd = putPos(b, putString(b, putTag(b, at, uniqTag), uniq, 2), pos);
        sink.put(b.subarray(at, keyEnd), uValue);
      }
      const keys = layer.keyLists[s];
      for (let k = 0; k < keys.length; k++) {
        if (keys.indexOf(keys[k]) !== k) continue;
        let keyEnd = putString(b, putTag(b, at, keyTag), topic, 1);
        keyEnd = putPos(b, putString(b, keyEnd, keys[k], 2), pos);
        sink.put(b.subarray(at, keyEnd), kValue);
      }
    }
    this.flushedSlots = end;
    if (end < layer.size) return false;
    this.putUniqBlocks(layer, sink);
    return true;
  }

  /** The layer's ids as `idx/b` blocks of at most uniqBlockBytesMax (see the header). */
  private putUniqBlocks(layer: Layer, sink: BatchSink): void {
    const b = this.blockScratch;
    let at = 0;
    let lastPos = -1;
    const cut = () => {
      putPos(this.blockKey, putTag(this.blockKey, 0, blockTag), lastPos);
      sink.put(this.blockKey, b.subarray(0, at));
      at = 0;
    };
    for (let s = 0; s < layer.size; s++) {
      const uniq = layer.uniqs[s];
      if (uniq === null) continue;
      at = putString(b, at, uniq, 2);
      lastPos = layer.physicalOffset(s);
      if (at >= uniqBlockBytesMax) cut();
    }
    if (at > 0) cut();
  }

  endFlush(): void {
    assert(this.flushing !== null, 'no index flush is running');
    assert(this.flushedSlots === this.flushing.size, 'an index flush ended before all of it was written');
    this.flushing = null;
  }

  /**
   * One bounded step of deleting the LevelDB entries whose physical offset is below `floor`:
   * scans at most sweepKeysPerStep keys after `from` (from the start when null) and
   * deletes those below. Returns the deleted count and where the next step starts (null when
   * the scan reached the end). Entries at or above the floor are never touched: checkpoints
   * only add entries the log still holds.
   */
  async sweepStep(floor: number, from: Buffer | null): Promise<{ deleted: number; next: Buffer | null }> {
    const range = from === null ? { gte: indexStart, lt: indexEnd } : { gt: from, lt: indexEnd };
    const keys = await this.db.keys({ ...range, limit: this.sweepKeysPerStep }).all();
    const batch = this.db.batch();
    let deleted = 0;
    for (const k of keys) {
      if (keyPos(k) >= floor) continue;
      batch.del(k);
      deleted += 1;
    }
    if (deleted > 0) await batch.write();
    else await batch.close();
    return { deleted, next: keys.length < this.sweepKeysPerStep ? null : keys[keys.length - 1] };
  }

  /** Merges `found` (layer hits) with LevelDB's entries under `prefix` at or above `floor`. */
  private async range(prefix: Buffer, floor: number, limit: number, found: Map<number, IndexHit>, decode: (v: Uint8Array) => Omit<IndexHit, 'physicalOffset'>): Promise<IndexHit[]> {
    const gte = Buffer.alloc(prefix.length + posBytes);
    prefix.copy(gte);
    putPos(gte, prefix.length, Math.max(0, floor));
    const lte = Buffer.alloc(prefix.length + posBytes, 0xff);
    prefix.copy(lte);
    for await (const [k, v] of this.db.iterator({ gte, lte, reverse: true, limit })) {
      const pos = keyPos(k);
      if (!found.has(pos)) found.set(pos, { ...decode(v), physicalOffset: pos });
    }
    return [...found.values()].sort((a, b) => b.physicalOffset - a.physicalOffset).slice(0, limit);
  }
}

function checkLimit(limit: number): void {
  assert(Number.isInteger(limit) && limit >= 1 && limit <= queryResultsMax, `limit ${limit} outside [1, ${queryResultsMax}]`);
}

/** A string as its length (u8 or u16, big-endian) and UTF-8 bytes. */
function lengthPrefixed(s: string, lengthBytes: 1 | 2): Buffer {
  const b = Buffer.allocUnsafe(lengthBytes + Buffer.byteLength(s, 'utf8'));
  putString(b, 0, s, lengthBytes);
  return b;
}

/** Below this length a char loop beats Buffer.write (a native call) for ASCII strings. */
const asciiLoopCharsMax = 64;

function putString(b: Buffer, at: number, s: string, lengthBytes: 1 | 2): number {
  const start = at + lengthBytes;
  let n = s.length;
  // Checkpoints write three or four strings per message: most are short ASCII ids and keys.
  if (n <= asciiLoopCharsMax) {
    let k = 0;
    for (; k < n; k++) {
      const c = s.charCodeAt(k);
      if (c > 0x7f) break;
      b[start + k] = c;
    }
    if (k < n) n = b.write(s, start, 'utf8');
  } else n = b.write(s, start, 'utf8');
  assert(n < (lengthBytes === 1 ? 0x100 : 0x10000), `index string of ${n} bytes does not fit its length field`);
  if (lengthBytes === 1) b[at] = n;
  else b.writeUInt16BE(n, at);
  return at + lengthBytes + n;
}

function putTag(b: Buffer, at: number, tag: Buffer): number {
  for (let k = 0; k < tagBytes; k++) b[at + k] = tag[k];
  return at + tagBytes;
}

function putPos(b: Buffer, at: number, pos: number): number {
  b.writeUInt32BE(Math.floor(pos / twoTo32), at);
  b.writeUInt32BE(pos % twoTo32, at + 4);
  return at + posBytes;
}

/**
 * The ids of MessageIndex.flushedUniqKeys(): fetched from LevelDB a batch at a time (blocks, or
 * `idx/u` keys), decoded into an array, handed out one by one. An iterator object rather than
 * an async generator: a million ids go through it at every start, and a generator's yield
 * (an await per value) cost twice as much per id here as a resolved promise.
 */
class UniqKeyScan implements AsyncIterableIterator<string> {
  private ids: string[] = [];
  private at = 0;
  private readonly it;
  private ended = false;

  constructor(db: StoreDb, private readonly fromBlocks: boolean) {
    const tag = fromBlocks ? blockTag : uniqTag;
    const lt = Buffer.from(tag);
    lt[lt.length - 1]! += 1;
    this.it = db.iterator({ gte: tag, lt, keys: !fromBlocks, values: fromBlocks, keyEncoding: 'view' } as { gte: Buffer; lt: Buffer });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<string> {
    return this;
  }

  next(): Promise<IteratorResult<string>> {
    if (this.at < this.ids.length) return Promise.resolve({ value: this.ids[this.at++], done: false });
    return this.refill();
  }

  async return(): Promise<IteratorResult<string>> {
    await this.end();
    return { value: undefined, done: true };
  }

  private async refill(): Promise<IteratorResult<string>> {
    try {
      // Bounded: each round either hands out an id or ends (a batch of empty blocks moves on).
      while (!this.ended) {
        const got = await this.it.nextv(this.fromBlocks ? uniqBlockScanBatchBlocks : uniqKeyScanBatchKeys);
        if (got.length === 0) break;
        const ids: string[] = [];
        for (const [k, v] of got) {
          if (this.fromBlocks) decodeUniqBlock(v, ids);
          else ids.push(uniqKeyOf(k));
        }
        this.ids = ids;
        this.at = 0;
        if (ids.length > 0) return { value: ids[this.at++], done: false };
      }
    } catch (err) {
      await this.end();
      throw err;
    }
    await this.end();
    return { value: undefined, done: true };
  }

  private async end(): Promise<void> {
    this.ids = [];
    this.at = 0;
    if (this.ended) return;
    this.ended = true;
    await this.it.close();
  }
}

/** Appends the ids of an `idx/b` value (u16 BE length + UTF-8 each) to `out`. */
function decodeUniqBlock(v: Uint8Array, out: string[]): void {
  const b = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  let at = 0;
  // Bounded: every id advances `at` by at least 2.
  while (at < b.length) {
    if (at + 2 > b.length) throw new MalformedError('index id block', `cut short at byte ${at}`);
    const n = b.readUInt16BE(at);
    if (at + 2 + n > b.length) throw new MalformedError('index id block', `an id of ${n} bytes at byte ${at} runs past the end`);
    out.push(b.toString('utf8', at + 2, at + 2 + n));
    at += 2 + n;
  }
}

/** The id of an `idx/u` key (u16 BE length, id, pos u64 BE after the tag). */
function uniqKeyOf(k: Uint8Array): string {
  const n = (k[tagBytes] << 8) | k[tagBytes + 1];
  assert(tagBytes + 2 + n + posBytes === k.length, `index id key of ${k.length} bytes has a ${n}-byte id`);
  const b = Buffer.from(k.buffer, k.byteOffset, k.byteLength);
  return b.toString('utf8', tagBytes + 2, tagBytes + 2 + n);
}

function keyPos(k: Uint8Array): number {
  const b = Buffer.from(k.buffer, k.byteOffset, k.byteLength);
  return b.readUInt32BE(b.length - 8) * twoTo32 + b.readUInt32BE(b.length - 4);
}

function putHitValue(b: Buffer, at: number, queueId: number, queueOffset: number, size: number, storeTimestampMs: number): number {
  b.writeUInt16LE(queueId, at);
  b.writeUInt32LE(queueOffset % twoTo32, at + 2);
  b.writeUInt32LE(Math.floor(queueOffset / twoTo32), at + 6);
  b.writeUInt32LE(size, at + 10);
  b.writeUInt32LE(storeTimestampMs % twoTo32, at + 14);
  b.writeUInt32LE(Math.floor(storeTimestampMs / twoTo32), at + 18);
  return at + hitValueBytes;
}

/** A value back into a hit (without its position, which is in the key). */
function decodeHit(v: Uint8Array, topic: string | null): Omit<IndexHit, 'physicalOffset'> {
  const b = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  const want = topic === null ? hitValueBytes + 1 + (b.length > hitValueBytes ? b[hitValueBytes] : 0) : hitValueBytes;
  if (b.length !== want) throw new MalformedError('index entry', `value of ${b.length} bytes, expected ${want}`);
  return {
    topic: topic ?? b.toString('utf8', hitValueBytes + 1),
    queueId: b.readUInt16LE(0),
    queueOffset: b.readUInt32LE(6) * twoTo32 + b.readUInt32LE(2),
    size: b.readUInt32LE(10),
    storeTimestampMs: b.readUInt32LE(18) * twoTo32 + b.readUInt32LE(14),
  };
}
