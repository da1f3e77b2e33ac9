// A replica digest of the store's durable state, for comparing nodes (admin StateDigest).
// Two nodes that applied the same log and checkpointed at the same index give equal digests:
// the ConsumeQueue files byte for byte, and the LevelDB contents key for key.
//
// What is left out because it is legitimately node-specific:
// - `ckpt/restore`: the token of the last snapshot restore (pid, time, random), which only
//   proves to this node's next start that a restore's checkpoint landed.
// - `ckpt/index-swept`: how far this node's index sweep after retention got (retention runs on
//   each node's own schedule; so, until their sweeps end, do the index entries below the log
//   start, which no look-up returns).
// - `idx/b…` (the index's id blocks) and `ckpt/uniq-blocks`: which ids share a block depends on
//   when this node's checkpoints ran, and a store an older version started has no blocks for
//   its first ids (message-index.ts).
// - nothing else: the applied index, voters, queue states, metadata and index entries are all
//   functions of the applied log.
// What legitimately differs on a node that installed a snapshot (see MESSAGE-FORMAT.md): its
// ConsumeQueues start at the snapshot's next offsets (other min offsets, other files, a hole at
// the start of the first file) and its index lacks the messages the snapshot covered. Compare
// `db.meta` and each queue's `nextOffset` then; compare everything on nodes that never restored.

import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { crc32c } from '@node-rs/crc32';
import { cqRecordBytes } from './constants.ts';
import { queueDir, type QueueState } from './consume-queue.ts';
import { parseQueueKey, type QueueKey } from './consume-queue-set.ts';
import type { StoreDb } from './store-db.ts';

/** LevelDB keys that differ between replicas of the same state (see the header). */
export const nodeSpecificKeys: readonly string[] = ['ckpt/restore', 'ckpt/index-swept', 'ckpt/uniq-blocks', 'idx/b…'];
const excluded = ['ckpt/restore', 'ckpt/index-swept', 'ckpt/uniq-blocks'].map((k) => Buffer.from(k, 'utf8'));
/** Every key starting with it is node-specific (the `idx/b…` above). */
const excludedPrefix = Buffer.from('idx/b', 'latin1');

export interface FileDigest {
  /** File name: the first queue offset it holds, 20 digits. */
  readonly name: string;
  readonly bytes: number;
  readonly crc32c: number;
  readonly sha256: string;
}

export interface QueueDigest {
  readonly topic: string;
  readonly queueId: number;
  readonly minOffset: number;
  readonly nextOffset: number;
  readonly files: readonly FileDigest[];
}

export interface PartDigest {
  readonly entries: number;
  readonly sha256: string;
}

export interface DbDigest {
  /** Every key except nodeSpecificKeys. */
  readonly all: PartDigest;
  /** `meta/…`: topics, groups, consumer offsets, transaction / timer state. */
  readonly meta: PartDigest;
  /** `idx/…`: the message index. */
  readonly index: PartDigest;
  /** `ckpt/…` (without the restore token): applied index, voters, queue states. */
  readonly checkpoint: PartDigest;
  /** Keys under no known prefix (0 in a healthy store). */
  readonly other: PartDigest;
  readonly excluded: readonly string[];
}

// A type alias (not an interface), so that it is a Record<string, unknown> for StateMachine.digest.
export type StoreDigest = {
  /** The checkpoint the digest describes (the store flushed first). */
  readonly appliedIndex: number;
  /** The last entry applied in memory when the digest was cut (>= appliedIndex). */
  readonly lastApplied: number;
  readonly voters: readonly string[] | null;
  /** Sorted by topic then queue id. */
  readonly queues: readonly QueueDigest[];
  readonly db: DbDigest;
};

/**
 * Digests of each queue's files, up to the checkpointed next offset (records appended after
 * the checkpoint are not part of it). Synchronous, so that no apply interleaves.
 */
export function digestQueues(rootDir: string, states: ReadonlyMap<QueueKey, QueueState>, recordsPerFile: number): QueueDigest[] {
  const out: QueueDigest[] = [];
  for (const [key, state] of [...states].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const { topic, queueId } = parseQueueKey(key);
    const dir = queueDir(rootDir, topic, queueId);
    const files: FileDigest[] = [];
    const names = existsSync(dir) ? readdirSync(dir).filter((n) => /^\d+$/.test(n)).sort() : [];
    for (const name of names) {
      const start = Number(name);
      if (start >= state.nextOffset) continue; // created after the checkpoint
      const bound = (Math.min(state.nextOffset, start + recordsPerFile) - start) * cqRecordBytes;
      const whole = readFileSync(path.join(dir, name));
      const data = whole.subarray(0, Math.min(bound, whole.length));
      files.push({ name, bytes: data.length, crc32c: crc32c(data), sha256: createHash('sha256').update(data).digest('hex') });
    }
    out.push({ topic, queueId, minOffset: state.minOffset, nextOffset: state.nextOffset, files });
  }
  return out;
}

class PartHasher {
  entries = 0;
  private readonly h = createHash('sha256');

  add(key: Buffer, value: Uint8Array): void {
    const len = Buffer.allocUnsafe(8);
    len.writeUInt32LE(key.length, 0);
    len.writeUInt32LE(value.length, 4);
    this.h.update(len).update(key).update(value);
    this.entries += 1;
  }

  done(): PartDigest {
    return { entries: this.entries, sha256: this.h.digest('hex') };
  }
}

/** Hashes every LevelDB entry in key order, by part. The caller keeps other writers out. */
export async function digestDb(db: StoreDb): Promise<DbDigest> {
  const parts = { all: new PartHasher(), meta: new PartHasher(), index: new PartHasher(), checkpoint: new PartHasher(), other: new PartHasher() };
  for await (const [key, v] of db.iterator()) {
    if (excluded.some((x) => x.equals(key)) || (key.length >= excludedPrefix.length && excludedPrefix.equals(key.subarray(0, excludedPrefix.length)))) continue;
    // Index keys are binary: latin1 maps each byte to one char, enough for the prefix tests.
    const k = key.toString('latin1', 0, 5);
    parts.all.add(key, v);
    const part = k.startsWith('meta/') ? parts.meta : k.startsWith('idx/') ? parts.index : k.startsWith('ckpt/') ? parts.checkpoint : parts.other;
    part.add(key, v);
  }
  return {
    all: parts.all.done(), meta: parts.meta.done(), index: parts.index.done(),
    checkpoint: parts.checkpoint.done(), other: parts.other.done(), excluded: nodeSpecificKeys,
  };
}
