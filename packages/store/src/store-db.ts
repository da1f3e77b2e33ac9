// The store's one LevelDB database: binary keys (prefixed per concept: `meta/`, `ckpt/` are
// UTF-8 text, `idx/` entries binary), byte values. One database, so a checkpoint writes index,
// metadata and the applied index in one atomic batch.

import { Level } from 'level';
import { assert } from './assert.ts';

export type StoreDb = Level<Buffer, Uint8Array>;

export type DbOp =
  | { readonly type: 'put'; readonly key: string; readonly value: Uint8Array }
  | { readonly type: 'del'; readonly key: string };

/** Where a checkpoint's writers add their puts (a LevelDB chained batch). */
export interface BatchSink {
  put(key: Buffer, value: Uint8Array): unknown;
  del(key: Buffer): unknown;
}

export async function openDb(dir: string): Promise<StoreDb> {
  const db = new Level<Buffer, Uint8Array>(dir, { keyEncoding: 'buffer', valueEncoding: 'view' });
  await db.open();
  return db;
}

/** Every (key, value) under a text prefix, in key order, keys as text. */
export async function scanPrefix(db: StoreDb, prefix: string): Promise<[string, Uint8Array][]> {
  const out: [string, Uint8Array][] = [];
  const gte = Buffer.from(prefix, 'utf8');
  for await (const [k, v] of db.iterator({ gte, lt: prefixEnd(gte) })) out.push([k.toString('utf8'), v]);
  return out;
}

/** The smallest key greater than every key starting with `prefix` (prefix not all 0xff). */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  let i = end.length - 1;
  while (i >= 0 && end[i] === 0xff) i--;
  if (i < 0) throw new RangeError('a prefix of 0xff bytes has no end');
  end[i] += 1;
  return end.subarray(0, i + 1);
}

/** A LevelDB chained batch: the array form of batch() clones every operation object and cost
 * ~40 µs per operation on a 400k-put checkpoint here, the chained form ~1 µs. */
export type StoreBatch = ReturnType<StoreDb['batch']> & BatchSink;

export function newBatch(db: StoreDb): StoreBatch {
  return db.batch() as StoreBatch;
}

interface EncodedPuts {
  _put(key: Buffer, value: Uint8Array): void;
}

/**
 * A sink for many puts of Buffers already in the database's encodings (the index at a
 * checkpoint: two per message). The public put() of a chained batch builds an options and an
 * operation object and runs both encoders per call (about 3 µs per put here); the batch's
 * _put(), abstract-level's private API that every implementation provides for encoded keys and
 * values, copies them into the native batch directly. The first put goes through the public
 * path, so the batch never counts as empty and write() does not skip it. Bypassed on purpose:
 * prewrite hooks and write events, neither of which the store uses (asserted).
 */
export function encodedSink(db: StoreDb, batch: StoreBatch): BatchSink {
  // `noop` is set by abstract-level while no hook function is registered (not in its types).
  assert((db.hooks.prewrite as unknown as { noop: boolean }).noop === true, 'the store database must have no prewrite hook');
  const raw = batch as unknown as EncodedPuts;
  assert(typeof raw._put === 'function', 'the LevelDB batch has no _put');
  let first = true;
  return {
    put(key: Buffer, value: Uint8Array): void {
      if (first) {
        first = false;
        batch.put(key, value);
      } else raw._put(key, value);
    },
    del: (key: Buffer) => batch.del(key),
  };
}

export function addOps(batch: BatchSink, ops: readonly DbOp[]): void {
  for (const op of ops) {
    if (op.type === 'put') batch.put(Buffer.from(op.key, 'utf8'), op.value);
    else batch.del(Buffer.from(op.key, 'utf8'));
  }
}

/** One atomic batch, fsynced by LevelDB before it resolves (the checkpoint's durability point). */
export async function writeBatchSynced(db: StoreDb, ops: readonly DbOp[]): Promise<void> {
  const batch = newBatch(db);
  addOps(batch, ops);
  await batch.write({ sync: true });
}
