// Every ConsumeQueue of a store, keyed by topic and queue id, under `<storeDir>/consumequeue`,
// on one FileSystem (store-fs.ts).

import path from 'node:path';
import { assert } from './assert.ts';
import { ConsumeQueue, type QueueState } from './consume-queue.ts';
import type { CqRecord } from './cq-record.ts';
import { DirtyFiles } from './dirty-files.ts';
import { type FileSystem, removeTree } from './store-fs.ts';

export type QueueKey = string;

export function queueKey(topic: string, queueId: number): QueueKey {
  return `${topic}\u0000${queueId}`;
}

export function parseQueueKey(key: QueueKey): { topic: string; queueId: number } {
  const at = key.indexOf('\u0000');
  assert(at > 0, `bad queue key ${JSON.stringify(key)}`);
  return { topic: key.slice(0, at), queueId: Number(key.slice(at + 1)) };
}

export class ConsumeQueueSet {
  readonly rootDir: string;
  readonly files: DirtyFiles;
  private readonly queues = new Map<QueueKey, ConsumeQueue>();
  /** The same queues by topic, then queue id: apply finds an entry's queue without building its key string. */
  private readonly byTopic = new Map<string, (ConsumeQueue | undefined)[]>();

  private constructor(storeDir: string, private readonly recordsPerFile: number, readonly fs: FileSystem) {
    this.rootDir = path.join(storeDir, 'consumequeue');
    this.files = new DirtyFiles(fs);
    fs.mkdirp(this.rootDir);
  }

  /**
   * Opens the queues named by a checkpoint at their checkpointed states. Queue directories the
   * checkpoint does not know were created after it: they are deleted, and replay re-creates them.
   */
  static recover(storeDir: string, recordsPerFile: number, states: ReadonlyMap<QueueKey, QueueState>, fs: FileSystem): ConsumeQueueSet {
    const set = new ConsumeQueueSet(storeDir, recordsPerFile, fs);
    for (const topic of fs.readdir(set.rootDir)) {
      const topicDir = path.join(set.rootDir, topic);
      for (const q of fs.readdir(topicDir)) {
        if (!states.has(queueKey(topic, Number(q)))) {
          removeTree(fs, path.join(topicDir, q));
          set.files.markDirDirty(topicDir);
        }
      }
    }
    for (const [key, state] of [...states].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const { topic, queueId } = parseQueueKey(key);
      set.add(key, ConsumeQueue.recover(set.options(topic, queueId), state));
    }
    return set;
  }

  /** An empty set (after wiping the directory), for a new store or a restore. */
  static create(storeDir: string, recordsPerFile: number, fs: FileSystem): ConsumeQueueSet {
    removeTree(fs, path.join(storeDir, 'consumequeue'));
    const set = new ConsumeQueueSet(storeDir, recordsPerFile, fs);
    set.files.markDirDirty(storeDir);
    return set;
  }

  get(topic: string, queueId: number): ConsumeQueue | undefined {
    return this.byTopic.get(topic)?.[queueId];
  }

  /** The queue, created empty at `startOffset` if it does not exist yet. */
  obtain(topic: string, queueId: number, startOffset = 0): ConsumeQueue {
    let q = this.get(topic, queueId);
    if (!q) {
      q = ConsumeQueue.create(this.options(topic, queueId), startOffset);
      this.add(queueKey(topic, queueId), q);
    }
    return q;
  }

  append(topic: string, queueId: number, records: readonly CqRecord[]): number {
    return this.obtain(topic, queueId).append(records);
  }

  /** Each queue's state, sorted by key (checkpoints and snapshots list them in this order). */
  states(): Map<QueueKey, QueueState> {
    const out = new Map<QueueKey, QueueState>();
    for (const key of [...this.queues.keys()].sort()) out.set(key, this.queues.get(key)!.state());
    return out;
  }

  /** The queues of one topic, by queue id. */
  ofTopic(topic: string): ConsumeQueue[] {
    const out: ConsumeQueue[] = [];
    for (const q of this.queues.values()) if (q.topic === topic) out.push(q);
    return out.sort((a, b) => a.queueId - b.queueId);
  }

  all(): IterableIterator<ConsumeQueue> {
    return this.queues.values();
  }

  /**
   * Writes every queue's tail out, synchronously, then fsyncs what was written: a checkpoint
   * that captured the queue states before calling this covers exactly those records.
   */
  sync(): Promise<void> {
    for (const q of this.queues.values()) q.writeOut();
    return this.files.syncAll();
  }

  close(): void {
    for (const q of this.queues.values()) q.close();
    this.queues.clear();
    this.byTopic.clear();
  }

  private add(key: QueueKey, q: ConsumeQueue): void {
    assert(!this.queues.has(key), `queue ${key} added twice`);
    this.queues.set(key, q);
    let ids = this.byTopic.get(q.topic);
    if (ids === undefined) {
      ids = [];
      this.byTopic.set(q.topic, ids);
    }
    // Queue ids are bounded (queueIdMax): the array stays small.
    while (ids.length <= q.queueId) ids.push(undefined);
    ids[q.queueId] = q;
  }

  private options(topic: string, queueId: number) {
    return { rootDir: this.rootDir, topic, queueId, recordsPerFile: this.recordsPerFile, files: this.files };
  }
}
