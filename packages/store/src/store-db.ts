// The store's one LevelDB database: string keys (prefixed per concept), byte values.
// One database, so a checkpoint writes index, metadata and the applied index in one atomic batch.

import { Level } from 'level';

export type StoreDb = Level<string, Uint8Array>;

export type DbOp =
  | { readonly type: 'put'; readonly key: string; readonly value: Uint8Array }
  | { readonly type: 'del'; readonly key: string };

export async function openDb(dir: string): Promise<StoreDb> {
  const db = new Level<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' });
  await db.open();
  return db;
}

/** Every (key, value) under a prefix, in key order. */
export async function scanPrefix(db: StoreDb, prefix: string): Promise<[string, Uint8Array][]> {
  const out: [string, Uint8Array][] = [];
  for await (const [k, v] of db.iterator({ gte: prefix, lt: prefixEnd(prefix) })) out.push([k, v]);
  return out;
}

/** The smallest string greater than every string starting with `prefix`. */
export function prefixEnd(prefix: string): string {
  return prefix + '\uffff';
}

/** One atomic batch, fsynced by LevelDB before it resolves (the checkpoint's durability point). */
export async function writeBatchSynced(db: StoreDb, ops: readonly DbOp[]): Promise<void> {
  await db.batch(ops.map((op) => (op.type === 'put' ? { type: 'put' as const, key: op.key, value: op.value } : { type: 'del' as const, key: op.key })), { sync: true });
}
