// The durable checkpoint in LevelDB: the applied index, the voters and each queue's state,
// written in the same atomic batch as the metadata and index changes they correspond to.
// Keys: `ckpt/applied`, `ckpt/voters`, `ckpt/restore`, `ckpt/queue/<topic>\0<queueId>`.

import type { QueueState } from './consume-queue.ts';
import type { QueueKey } from './consume-queue-set.ts';
import { CorruptStoreError } from './errors.ts';
import type { DbOp, StoreDb } from './store-db.ts';
import { scanPrefix } from './store-db.ts';

const K = { applied: 'ckpt/applied', voters: 'ckpt/voters', restore: 'ckpt/restore', queue: 'ckpt/queue/' } as const;

export interface Checkpoint {
  readonly applied: number;
  readonly voters: readonly string[] | null;
  readonly queues: ReadonlyMap<QueueKey, QueueState>;
  /** Token of the snapshot restore this checkpoint completed, if any. */
  readonly restoreToken: string | null;
}

export const emptyCheckpoint: Checkpoint = { applied: 0, voters: null, queues: new Map(), restoreToken: null };

export async function loadCheckpoint(db: StoreDb): Promise<Checkpoint> {
  const get = (key: string): Promise<Uint8Array | undefined> => db.get(Buffer.from(key, 'utf8'));
  const applied = await get(K.applied);
  if (applied === undefined) return emptyCheckpoint;
  const voters = await get(K.voters);
  const restore = await get(K.restore);
  const queues = new Map<QueueKey, QueueState>();
  for (const [k, v] of await scanPrefix(db, K.queue)) queues.set(k.slice(K.queue.length), parseJson(k, v) as QueueState);
  return {
    applied: parseUint(K.applied, applied),
    voters: voters === undefined ? null : (parseJson(K.voters, voters) as string[] | null),
    queues,
    restoreToken: restore === undefined ? null : Buffer.from(restore).toString('utf8'),
  };
}

/** Ops turning checkpoint `from` into `to` (only the queues that changed are written). */
export function checkpointOps(from: Checkpoint, to: Checkpoint): DbOp[] {
  const ops: DbOp[] = [
    { type: 'put', key: K.applied, value: Buffer.from(String(to.applied)) },
    { type: 'put', key: K.voters, value: Buffer.from(JSON.stringify(to.voters)) },
  ];
  if (to.restoreToken !== null) ops.push({ type: 'put', key: K.restore, value: Buffer.from(to.restoreToken) });
  for (const key of from.queues.keys()) if (!to.queues.has(key)) ops.push({ type: 'del', key: K.queue + key });
  for (const [key, q] of to.queues) {
    const old = from.queues.get(key);
    if (old && old.minOffset === q.minOffset && old.nextOffset === q.nextOffset) continue;
    ops.push({ type: 'put', key: K.queue + key, value: Buffer.from(JSON.stringify({ minOffset: q.minOffset, nextOffset: q.nextOffset })) });
  }
  return ops;
}

/** Ops that forget the checkpoint (and so the state it describes). */
export function clearCheckpointOps(from: Checkpoint): DbOp[] {
  const ops: DbOp[] = [K.applied, K.voters, K.restore].map((key) => ({ type: 'del', key }) as const);
  for (const key of from.queues.keys()) ops.push({ type: 'del', key: K.queue + key });
  return ops;
}

function parseUint(key: string, v: Uint8Array): number {
  const n = Number(Buffer.from(v).toString('utf8'));
  if (!Number.isSafeInteger(n) || n < 0) throw new CorruptStoreError(`checkpoint value ${key} is not an index`);
  return n;
}

function parseJson(key: string, v: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(v).toString('utf8'));
  } catch (err) {
    throw new CorruptStoreError(`checkpoint value ${key} is not JSON`, { cause: err });
  }
}
