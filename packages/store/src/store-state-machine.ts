// The store's state machine: ConsumeQueues, message index and metadata, applied from committed
// Raft entries.
//
// Durability model (checkpoint, not idempotent apply):
// - apply() is synchronous and deterministic. It updates memory, appends ConsumeQueue records
//   with plain writes (no fsync), and buffers index/metadata changes in memory, where reads see
//   them at once.
// - flush() is the durable checkpoint: it fsyncs the ConsumeQueue files, then writes ONE atomic,
//   synced LevelDB batch with the buffered index/metadata changes, the applied index and every
//   queue's next offset. checkpoint() (the synchronous StateMachine hook) only starts a flush.
// - appliedIndex() is the index of the last durable checkpoint, not of the last apply: after a
//   crash the node replays from appliedIndex() + 1, and open() has cut every ConsumeQueue back to
//   that checkpoint's next offsets, so replay re-creates exactly the records it lost (same
//   offsets, same bytes) and nothing is applied twice.
// - snapshot() is cut from the durable state too, so it always matches appliedIndex().
// - A flush captures the queue states, writes the ConsumeQueue tails out and freezes the index
//   and metadata layers in one synchronous step, so the checkpoint's batch names exactly what
//   the fsync before it covers. The frozen index goes into the batch in slices, a turn of the
//   event loop apart (applies meanwhile fill the next layers). apply() starts a flush itself
//   when indexFlushEntries messages wait for one, so one checkpoint's batch (and the memory
//   held for it) stays bounded.
// - Retention (truncateBefore): queue min offsets rise at once; index look-ups never return what
//   lies below the log's first entry, and a background sweep deletes those LevelDB entries in
//   bounded steps, serialised with the flushes, recording how far it got in `ckpt/index-swept`.
// - Power loss: a ConsumeQueue write survives only once fsynced (StoreOptions.fs lets tests lose
//   the rest), and LevelDB keeps only what its last synced write covered. Every LevelDB write
//   recovery reads is synced (the checkpoint batch, the wipe, `ckpt/index-swept`); the unsynced
//   sweep deletes only drop index entries no look-up returns, which a restarted sweep drops again.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { headerBytes as ledgerHeaderBytes } from '@ledgermq/ledger';
import type { StateMachine } from '@ledgermq/raft-node';
import { ConfChangeType, type ConfState, decodeConfChange, type Entry, EntryType } from '@ledgermq/raft';
import { ApplyResults, type ApplyResult } from './apply-results.ts';
import { assert } from './assert.ts';
import { type FileSystem, realStoreFs } from './store-fs.ts';
import { type Checkpoint, checkpointOps, clearCheckpointOps, emptyCheckpoint, loadCheckpoint } from './checkpoint-record.ts';
import { applyResultsMax, cqFileRecordsDefault, indexFlushEntries, indexFlushSliceMessages } from './constants.ts';
import type { QueueState } from './consume-queue.ts';
import { ConsumeQueueSet, type QueueKey, parseQueueKey } from './consume-queue-set.ts';
import { applyNormal } from './entry-applier.ts';
import { CorruptStoreError, StoreClosedError, StoreFailedError } from './errors.ts';
import { hasUniqKeys, MessageIndex } from './message-index.ts';
import { MessageReader, type StoreLog } from './message-reader.ts';
import { Metadata, encodeMetaValue } from './metadata.ts';
import { readRestoreMarker, removeRestoreMarker, writeRestoreMarker } from './restore-marker.ts';
import { addOps, type BatchSink, type DbOp, encodedSink, newBatch, type StoreDb, openDb, scanPrefix, writeBatchSynced } from './store-db.ts';
import { decodeStoreSnapshot, encodeStoreSnapshot } from './store-snapshot.ts';
import { digestDb, digestQueues, type StoreDigest } from './store-digest.ts';

export interface StoreOptions {
  readonly dir: string;
  /** The committed log (a Ledger): entry positions for physical offsets, and reads. */
  readonly log: StoreLog;
  /** Voters before the first applied ConfChange (what conf() reports until then). */
  readonly initialVoters?: readonly string[];
  readonly cqRecordsPerFile?: number;
  readonly applyResultsMax?: number;
  /** Ledger entry header size; physical offset = entry pos + headerBytes + record offset. */
  readonly headerBytes?: number;
  /** Keys one index sweep step scans (default indexSweepKeysPerBatch). */
  readonly indexSweepKeysPerStep?: number;
  /** The ConsumeQueue files' file system (default the real one; power-loss tests: a VolatileFileSystem). */
  readonly fs?: FileSystem;
}

const metaPrefix = 'meta/';
/** How far the index sweep after retention got: every index entry below it is deleted. */
const indexSweptKey = Buffer.from('ckpt/index-swept', 'utf8');
/**
 * The applied index of the last checkpoint whose writer put every id it flushed into the
 * index's id blocks (message-index.ts). Equal to `ckpt/applied` at open: every flushed id is in
 * a block (an older version's checkpoint after it would have left it behind).
 */
const uniqBlocksKey = 'ckpt/uniq-blocks';

export class StoreStateMachine implements StateMachine {
  readonly reader: MessageReader;
  readonly index: MessageIndex;
  private queues: ConsumeQueueSet;
  private applied: number;
  private voters: readonly string[] | null;
  private durable: Checkpoint;
  private restoreToken: string | null = null;
  private queuesRetired = false;
  private failure: Error | null = null;
  private closed = false;
  private flushChain: Promise<void> = Promise.resolve();
  /** A flush apply() started has not begun yet: do not queue another. */
  private flushRequested = false;
  private sweeping: Promise<void> | null = null;
  private readonly results: ApplyResults;
  private readonly listeners: ((r: ApplyResult) => void)[] = [];
  private readonly headerBytes: number;
  private readonly perFile: number;

  private constructor(
    private readonly opts: StoreOptions,
    private readonly db: StoreDb,
    readonly metadata: Metadata,
    queues: ConsumeQueueSet,
    checkpoint: Checkpoint,
    private sweptTo: number,
    /** Every flushed id is in an id block: checkpoints say so (see uniqBlocksKey). */
    private readonly blocksComplete: boolean,
  ) {
    this.queues = queues;
    this.durable = checkpoint;
    this.applied = checkpoint.applied;
    this.voters = checkpoint.voters;
    this.headerBytes = opts.headerBytes ?? ledgerHeaderBytes;
    this.perFile = opts.cqRecordsPerFile ?? cqFileRecordsDefault;
    this.results = new ApplyResults(opts.applyResultsMax ?? applyResultsMax);
    this.index = new MessageIndex(db, () => this.firstRetainedPos(), opts.indexSweepKeysPerStep, blocksComplete);
    this.reader = new MessageReader({
      log: opts.log,
      headerBytes: this.headerBytes,
      appliedIndex: () => this.applied,
      queue: (topic, queueId) => this.queues.get(topic, queueId),
      queuesOf: (topic) => this.queues.ofTopic(topic),
    });
  }

  /** Loads the last checkpoint and cuts the ConsumeQueues back to it. Replay from appliedIndex() + 1. */
  static async open(opts: StoreOptions): Promise<StoreStateMachine> {
    mkdirSync(opts.dir, { recursive: true });
    const db = await openDb(path.join(opts.dir, 'db'));
    try {
      let checkpoint = await loadCheckpoint(db);
      const marker = readRestoreMarker(opts.dir);
      const perFile = opts.cqRecordsPerFile ?? cqFileRecordsDefault;
      const fs = opts.fs ?? realStoreFs();
      let queues: ConsumeQueueSet;
      if (marker !== null && marker !== checkpoint.restoreToken) {
        // A restore wiped the queues but its checkpoint never landed: start empty.
        await wipe(db, checkpoint);
        checkpoint = emptyCheckpoint;
        queues = ConsumeQueueSet.create(opts.dir, perFile, fs);
      } else {
        queues = ConsumeQueueSet.recover(opts.dir, perFile, checkpoint.queues, fs);
      }
      await queues.sync();
      removeRestoreMarker(opts.dir);
      const metadata = new Metadata();
      metadata.load((await scanPrefix(db, metaPrefix)).map(([k, v]) => [k.slice(metaPrefix.length), v]));
      const swept = await db.get(indexSweptKey);
      const blocksAt = await db.get(Buffer.from(uniqBlocksKey, 'utf8'));
      const blocksComplete = blocksAt !== undefined ? Number(Buffer.from(blocksAt).toString('utf8')) === checkpoint.applied : !(await hasUniqKeys(db));
      const sm = new StoreStateMachine(opts, db, metadata, queues, checkpoint, swept === undefined ? 0 : Number(Buffer.from(swept).toString('utf8')), blocksComplete);
      sm.checkQueuesWithinLog();
      sm.startSweep(); // a sweep cut short by a crash or a stop starts again
      return sm;
    } catch (err) {
      await db.close();
      throw err;
    }
  }

  // ---- StateMachine ------------------------------------------------------------------

  /** The last durable checkpoint's index (see the header comment): replay starts after it. */
  appliedIndex(): number {
    return this.durable.applied;
  }

  /** Index of the last entry applied in memory (>= appliedIndex()). */
  lastApplied(): number {
    return this.applied;
  }

  /**
   * The voters as of the applied index: the last applied ConfChange's, else the initial voters
   * when the caller gave them (so Raft need not scan the applied log for changes at start-up),
   * else null (unknown: Raft scans).
   */
  conf(): ConfState | null {
    const voters = this.voters ?? this.opts.initialVoters ?? null;
    return voters === null ? null : { voters: [...voters] };
  }

  apply(entries: readonly Entry[]): void {
    this.checkUsable();
    const notify: ApplyResult[] | null = this.listeners.length > 0 ? [] : null;
    for (const e of entries) {
      if (e.index !== this.applied + 1) assert(false, `apply out of order: expected index ${this.applied + 1}, got ${e.index}`);
      const r = this.applyOne(e);
      this.applied = e.index;
      this.results.record(r);
      notify?.push(r);
    }
    // One microtask for the whole call, results in apply order.
    if (notify !== null && notify.length > 0) queueMicrotask(() => this.notify(notify));
    if (this.index.pendingCount() >= indexFlushEntries && !this.flushRequested) {
      this.flushRequested = true;
      this.checkpoint();
    }
  }

  /** The durable state (metadata + queue states at appliedIndex()), encoded. */
  snapshot(): Uint8Array {
    this.checkUsable();
    return encodeStoreSnapshot({
      index: this.durable.applied,
      voters: this.durable.voters,
      queues: this.durable.queues,
      metadata: this.metadata.durableEncodedEntries(),
    });
  }

  /**
   * Replaces the state with a snapshot. The ConsumeQueues restart empty at the snapshot's next
   * offsets (older offsets answer "offset moved"). The message index is kept: its entries name
   * committed messages, identical on every replica. Durable at the next flush (started here).
   */
  restore(data: Uint8Array, index: number): void {
    this.checkUsable();
    const snap = decodeStoreSnapshot(data);
    if (snap.index !== index) throw new CorruptStoreError(`snapshot state at ${snap.index} does not match index ${index}`);
    const token = `${index}:${process.pid}:${Date.now()}:${Math.random()}`;
    writeRestoreMarker(this.opts.dir, token);
    this.queues.close();
    this.queues = ConsumeQueueSet.create(this.opts.dir, this.perFile, this.queues.fs);
    for (const [key, q] of snap.queues) {
      const { topic, queueId } = parseQueueKey(key);
      this.queues.obtain(topic, queueId, q.nextOffset);
    }
    this.metadata.replaceAll(snap.metadata);
    this.reader.forget();
    this.applied = index;
    this.voters = snap.voters;
    this.restoreToken = token;
    this.results.clear();
    this.checkpoint();
  }

  /** Starts a flush and returns (the interface is synchronous). A failed flush fails the store. */
  checkpoint(): void {
    if (this.closed || this.failure) return;
    this.flush().catch(() => {
      // flush() recorded the failure; the next apply throws it (fail-stop).
    });
  }

  summary(): Record<string, unknown> {
    return {
      applied: this.applied, durable: this.durable.applied, queues: this.queues.states().size,
      topics: this.metadata.topics().length, groups: this.metadata.groups().length,
    };
  }

  /**
   * A digest of the durable state for comparing replicas (store-digest.ts says what it covers
   * and what is node-specific). Flushes first, then digests that checkpoint while holding the
   * flush chain, so no other checkpoint lands in between; entries applied meanwhile are not in it.
   */
  digest(): Promise<StoreDigest> {
    this.checkUsable();
    const run = this.flushChain.then(async (): Promise<StoreDigest> => {
      await this.flushOnce();
      // Synchronous until the LevelDB iterator exists: no apply or retention interleaves.
      const cut = this.durable;
      const queues = digestQueues(path.join(this.opts.dir, 'consumequeue'), cut.queues, this.perFile);
      const lastApplied = this.applied;
      const db = await digestDb(this.db);
      return { appliedIndex: cut.applied, lastApplied, voters: cut.voters, queues, db };
    });
    this.flushChain = run.then(() => {}, () => {});
    return run;
  }

  // ---- the rest of the public API ----------------------------------------------------

  /** The durable checkpoint (see the header comment). Concurrent calls are serialised. */
  flush(): Promise<void> {
    const run = this.flushChain.then(() => this.flushOnce());
    this.flushChain = run.catch(() => {});
    return run;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (!this.failure) await this.flush();
    this.closed = true;
    await this.sweeping;
    await this.flushChain;
    this.queues.close();
    await this.db.close();
  }

  /** Resolves once no index sweep runs (tests and tools; the sweep is otherwise background). */
  async indexSwept(): Promise<void> {
    // Bounded: a sweep restarts only when retention moved the log start again.
    while (this.sweeping !== null) await this.sweeping;
    if (this.failure) throw this.failure;
  }

  /**
   * Asks for the result of entry `index` (call it as soon as the entry is proposed, before it
   * can be applied): only expected results are kept, until takeResult() or applyResultsMax later.
   */
  expectResult(index: number): void {
    this.results.expect(index);
  }

  /** What applying entry `index` did, once, when expectResult(index) asked for it. */
  takeResult(index: number): ApplyResult | undefined {
    return this.results.take(index);
  }

  private notify(results: readonly ApplyResult[]): void {
    const listeners = [...this.listeners];
    for (const r of results) {
      for (const cb of listeners) {
        try {
          cb(r);
        } catch (err) {
          // As if each call had its own microtask: the others still run, the error is not lost.
          queueMicrotask(() => {
            throw err;
          });
        }
      }
    }
  }

  /** Called (in a microtask, in apply order) for every applied entry. Returns an unsubscribe. */
  onApplied(cb: (r: ApplyResult) => void): () => void {
    this.listeners.push(cb);
    return () => {
      const at = this.listeners.indexOf(cb);
      if (at >= 0) this.listeners.splice(at, 1);
    };
  }

  queueState(topic: string, queueId: number): QueueState | undefined {
    return this.queues.get(topic, queueId)?.state();
  }

  queueStates(): Map<QueueKey, QueueState> {
    return this.queues.states();
  }

  /**
   * Retention: the log now starts at `firstRetainedPos`. Raises every queue's min offset past
   * the records below it and deletes ConsumeQueue files wholly below. Durable at the next flush.
   */
  truncateBefore(firstRetainedPos: number): void {
    this.checkUsable();
    for (const q of this.queues.all()) {
      const min = q.lowerBound((_, r) => r.physicalOffset >= firstRetainedPos);
      if (min > q.minOffset()) {
        q.retireBefore(min);
        this.queuesRetired = true;
      }
    }
    this.startSweep();
  }

  // ---- internals -----------------------------------------------------------------------

  private applyOne(e: Entry): ApplyResult {
    if (e.type === EntryType.Normal) {
      const entryPos = this.opts.log.positionOf(e.index);
      return applyNormal({ metadata: this.metadata, queues: this.queues, index: this.index, entryPos, headerBytes: this.headerBytes }, e.index, e.data);
    }
    if (e.type === EntryType.ConfChange) {
      const cc = decodeConfChange(e.data);
      const voters = new Set(this.voters ?? this.opts.initialVoters ?? []);
      if (cc.type === ConfChangeType.AddNode) voters.add(cc.node);
      else voters.delete(cc.node);
      this.voters = [...voters].sort();
    }
    return { type: 'skipped', index: e.index };
  }

  private async flushOnce(): Promise<void> {
    this.flushRequested = false;
    if (this.failure) throw this.failure;
    if (this.closed) throw new StoreClosedError();
    const restoring = this.restoreToken;
    const dirty = this.applied !== this.durable.applied || restoring !== null || this.queuesRetired;
    if (!dirty) return;
    // From here to queues.sync()'s start the step is synchronous: the checkpoint's states, the
    // queue tails written out and the frozen layers (metadata, index) agree. Applies that run
    // while the index is written in slices go to the next layers and the next checkpoint.
    const to: Checkpoint = { applied: this.applied, voters: this.voters, queues: this.queues.states(), restoreToken: restoring };
    this.queuesRetired = false;
    this.restoreToken = null;
    const batch = newBatch(this.db);
    try {
      addOps(batch, this.metadataOps());
      this.index.beginFlush();
      const queuesSynced = this.queues.sync();
      queuesSynced.catch(() => {}); // awaited below; a rejection while slices run is not unhandled
      await this.writeIndexSlices(encodedSink(this.db, batch));
      addOps(batch, checkpointOps(this.durable, to));
      if (this.blocksComplete) addOps(batch, [{ type: 'put', key: uniqBlocksKey, value: Buffer.from(String(to.applied), 'utf8') }]);
      await queuesSynced;
      await batch.write({ sync: true });
      if (restoring !== null) removeRestoreMarker(this.opts.dir);
    } catch (err) {
      this.failure = new StoreFailedError('checkpoint', err);
      await batch.close().catch(() => {});
      throw this.failure;
    }
    this.metadata.endFlush();
    this.index.endFlush();
    this.durable = to;
  }

  /** Freezes the buffered metadata changes; the ops that write them. */
  private metadataOps(): DbOp[] {
    const ops: DbOp[] = [];
    const layer = this.metadata.beginFlush();
    if (layer.replacesAll) {
      for (const k of this.metadata.durableKeys()) if (!layer.changes.has(k)) ops.push({ type: 'del', key: metaPrefix + k });
    }
    for (const [k, v] of layer.changes) {
      ops.push(v === null ? { type: 'del', key: metaPrefix + k } : { type: 'put', key: metaPrefix + k, value: encodeMetaValue(v) });
    }
    return ops;
  }

  /**
   * Writes the frozen index into the batch, indexFlushSliceMessages at a time with a turn of the
   * event loop between slices: a checkpoint of a busy second (tens of thousands of messages, a
   * few microseconds each) otherwise held every node's loop for tens of milliseconds at once.
   */
  private async writeIndexSlices(sink: BatchSink): Promise<void> {
    while (!this.index.flushSlice(sink, indexFlushSliceMessages)) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Runs `fn` on the flush chain: no checkpoint, digest or other sweep step interleaves. */
  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.flushChain.then(fn);
    this.flushChain = run.then(() => {}, () => {});
    return run;
  }

  /** The first physical offset the log holds (MAX_SAFE_INTEGER when it holds no entry). */
  private firstRetainedPos(): number {
    const log = this.opts.log;
    const first = log.firstIndex();
    return first > log.lastIndex() ? Number.MAX_SAFE_INTEGER : log.location(first).pos;
  }

  /** Starts the index sweep when the log starts past what was swept (and none runs). */
  private startSweep(): void {
    if (this.sweeping !== null || this.closed || this.failure) return;
    const floor = this.firstRetainedPos();
    if (floor <= this.sweptTo || floor === Number.MAX_SAFE_INTEGER) return;
    this.sweeping = this.sweep(floor).finally(() => {
      this.sweeping = null;
      this.startSweep(); // retention may have moved the log start meanwhile
    });
  }

  private async sweep(floor: number): Promise<void> {
    let from: Buffer | null = null;
    try {
      // Bounded: each step scans a bounded batch of keys further along the index, or ends.
      do {
        if (this.closed || this.failure) return;
        const step: { next: Buffer | null } = await this.serialized(() => this.index.sweepStep(floor, from));
        from = step.next;
      } while (from !== null);
      if (this.closed || this.failure) return;
      // Synced, so that a power loss does not keep this claim and lose the deletes before it
      // (the sync fsyncs LevelDB's log, which holds them); lost, the sweep just runs again.
      await this.serialized(() => this.db.put(indexSweptKey, Buffer.from(String(floor), 'utf8'), { sync: true }));
      this.sweptTo = floor;
    } catch (err) {
      if (!this.closed) this.failure ??= new StoreFailedError('index sweep', err);
    }
  }

  /** A checkpoint can never be ahead of the log it was applied from (Raft applies only durable entries). */
  private checkQueuesWithinLog(): void {
    if (this.applied === 0) return;
    let end: number;
    try {
      const loc = this.opts.log.location(this.applied);
      end = loc.pos + loc.size;
    } catch {
      return; // the applied entry is covered by the log's snapshot: nothing to compare with
    }
    for (const q of this.queues.all()) {
      if (q.nextOffset() === q.minOffset()) continue;
      const last = q.get(q.nextOffset() - 1);
      if (last.physicalOffset + last.size > end) {
        throw new CorruptStoreError(`queue ${q.topic}/${q.queueId} points at ${last.physicalOffset}, past the end ${end} of applied entry ${this.applied}`);
      }
    }
  }

  private checkUsable(): void {
    if (this.failure) throw this.failure;
    if (this.closed) throw new StoreClosedError();
  }
}

async function wipe(db: StoreDb, checkpoint: Checkpoint): Promise<void> {
  const ops: DbOp[] = clearCheckpointOps(checkpoint);
  for (const [k] of await scanPrefix(db, metaPrefix)) ops.push({ type: 'del', key: k });
  await writeBatchSynced(db, ops);
}
