// The Raft log on disk, DLedger-style: entries in position-named segments, an index file,
// the hard state and the snapshot. Layout in ../FORMAT.md.
//
// Durability contract: append() only writes; sync()/syncAsync() fsync the segments, then
// write and fsync the index records of what they covered (so the index file only ever names
// durable entries: recovery's checkpoint). Any failed fsync stops the ledger for good.

import { crc32c } from '@node-rs/crc32';
import type { Entry, HardState, LogStorage, Snapshot } from '@ledgermq/raft';
import { assert } from './assert.ts';
import {
  entryBytesMaxDefault, entryCacheBytesMaxDefault, formatVersion, headerBytes, indexFsyncEveryRecordsDefault, positionMax,
  readRunBytesMax, scanWindowBytes, segmentBytesDefault, segmentBytesMin, writeChunkBytesMax,
} from './constants.ts';
import { CopySlab } from './copy-slab.ts';
import { decodeEntry, decodeHeader, encodeEntry, encodePad, isPad } from './entry-codec.ts';
import { EntryCache } from './entry-cache.ts';
import type { EntryIndex } from './entry-index.ts';
import { EntryIndex as EntryIndexClass } from './entry-index.ts';
import {
  CorruptEntryError, EntryNotFoundError, EntryTooLargeError, FsyncFailedError, LedgerClosedError,
  LedgerCorruptError, LedgerStoppedError, NonContiguousAppendError,
} from './errors.ts';
import type { FileSystem } from './fs/file-system.ts';
import { loadCommitHint, loadHardState, saveCommitHintFile, saveHardStateFile } from './hard-state-file.ts';
import { IndexFile } from './index-file.ts';
import type { LedgerLogger } from './logger.ts';
import { silentLogger } from './logger.ts';
import { checkOrCreateMeta } from './meta-file.ts';
import { recoverLog } from './recovery.ts';
import type { RetentionOptions } from './retention.ts';
import { retainableSegments } from './retention.ts';
import { ReadBuffer } from './read-buffer.ts';
import { ReadWindow } from './read-window.ts';
import { findSegment, readRun } from './segment-reader.ts';
import { scanSegment } from './segment-scanner.ts';
import { SegmentFile } from './segment-file.ts';
import { loadSnapshotFile, saveSnapshotFile } from './snapshot-file.ts';
import type { StoredSnapshot } from './snapshot-file.ts';
import { markOf, removeVerifiedMark, saveVerifiedMark } from './verified-mark.ts';

export interface LedgerOptions {
  readonly fs: FileSystem;
  readonly dir: string;
  readonly groupId: string;
  readonly segmentBytes?: number;
  /** Largest entry body (data bytes) accepted. */
  readonly entryBytesMax?: number;
  readonly entryCacheBytesMax?: number;
  /** Index-file fsync cadence (records); 1 fsyncs it on every sync. */
  readonly indexFsyncEveryRecords?: number;
  /**
   * 'all': at open, verify the checksums of every segment, not only the trailing ones recovery
   * scans. Damage anywhere in the log then marks it corrupt before the node may vote (costs one
   * sequential read of the whole log per start). Default 'tail'.
   */
  readonly verifyOnOpen?: 'tail' | 'all';
  readonly logger?: LedgerLogger;
}

/** A snapshot as the ledger hands it out: plus the position where the log continues after it. */
export type LedgerSnapshot = Snapshot & { readonly endPos: number };

export interface LedgerStatus {
  readonly corrupt: boolean;
  readonly reason: string | null;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly durableIndex: number;
  readonly segments: number;
  readonly bytes: number;
}

export interface SyncResult {
  readonly index: number;
  readonly term: number;
}

export interface VerifyResult {
  readonly ok: boolean;
  readonly errors: string[];
  readonly entries: number;
}

export class Ledger implements LogStorage {
  private readonly fs: FileSystem;
  private readonly dir: string;
  private readonly segDir: string;
  private readonly segmentBytes: number;
  private readonly entryBytesMax: number;
  private readonly logger: LedgerLogger;
  private readonly cache: EntryCache;
  private readonly window = new ReadWindow();
  /** Holds each read of entries() (their data is copied out). */
  private readonly runBuffer = new ReadBuffer(readRunBytesMax);
  private readonly runCopies = new CopySlab();
  private segments: SegmentFile[];
  private index: EntryIndex;
  private indexFile: IndexFile | null;
  private nextPos: number;
  private durable: number;
  private hs: HardState;
  private snap: StoredSnapshot | null;
  private snapView: LedgerSnapshot | null = null;
  private corruptReason: string | null;
  private failure: unknown = null;
  private closed = false;
  /** Segments written since their last fsync. */
  private readonly dirty = new Set<SegmentFile>();
  /** Segments an async sync is fsyncing right now (a concurrent sync() must cover them too). */
  private readonly inFlight = new Set<SegmentFile>();
  private dirDirty = false;
  /** Lowest index truncated (or replaced by a snapshot) since the running async sync started. */
  private truncatedFloor = Infinity;
  private asyncSyncs = 0;
  private syncChain: Promise<unknown> = Promise.resolve();
  /** Retired segments whose descriptors an in-flight fsync may still use. */
  private closeLater: SegmentFile[] = [];
  private scratch = Buffer.allocUnsafe(1024 * 1024);
  private readonly indexFsyncEveryRecords: number;
  /** Index records written since the index file's last fsync. */
  private indexUnsynced = 0;
  /** Entry the verified mark on disk may name (unknown after open: assume the highest). */
  private markedIndex = Infinity;

  static open(opts: LedgerOptions): Ledger {
    return new Ledger(opts);
  }

  private constructor(opts: LedgerOptions) {
    this.fs = opts.fs;
    this.dir = opts.dir;
    this.segDir = `${opts.dir}/segments`;
    this.segmentBytes = opts.segmentBytes ?? segmentBytesDefault;
    assert(Number.isSafeInteger(this.segmentBytes) && this.segmentBytes >= segmentBytesMin, `segmentBytes ${this.segmentBytes} below ${segmentBytesMin}`);
    this.entryBytesMax = opts.entryBytesMax ?? Math.min(entryBytesMaxDefault, this.segmentBytes - headerBytes);
    assert(this.entryBytesMax > 0 && this.entryBytesMax + headerBytes <= this.segmentBytes, `entryBytesMax ${this.entryBytesMax} does not fit a segment`);
    assert(opts.groupId.length > 0, 'empty groupId');
    this.logger = opts.logger ?? silentLogger;
    this.indexFsyncEveryRecords = opts.indexFsyncEveryRecords ?? indexFsyncEveryRecordsDefault;
    assert(this.indexFsyncEveryRecords >= 1, 'indexFsyncEveryRecords must be >= 1');
    this.cache = new EntryCache(opts.entryCacheBytesMax ?? entryCacheBytesMaxDefault);
    this.fs.mkdirp(this.dir);
    const hasData = this.fs.exists(this.segDir) && this.fs.readdir(this.segDir).length > 0;
    checkOrCreateMeta(this.fs, this.dir, { version: formatVersion, groupId: opts.groupId, segmentBytes: this.segmentBytes }, hasData);
    this.fs.mkdirp(this.segDir);
    const hs = loadHardState(this.fs, this.dir);
    this.hs = { ...hs, commit: Math.max(hs.commit, loadCommitHint(this.fs, this.dir)) };
    this.snap = loadSnapshotFile(this.fs, this.dir);
    const t0 = performance.now();
    const r = recoverLog({ fs: this.fs, dir: this.dir, segDir: this.segDir, segmentBytes: this.segmentBytes, commitHint: this.hs.commit, snapshot: this.snap, logger: this.logger });
    const t1 = performance.now();
    this.segments = r.segments;
    this.index = r.index;
    this.indexFile = r.indexFile;
    this.nextPos = r.nextPos;
    this.corruptReason = r.corrupt;
    this.durable = this.index.lastIndex();
    // A hint never names more than the log holds (it is taken from fsynced entries; this only
    // guards against a log cut shorter by hand).
    if (this.hs.commit > this.durable && !this.corruptReason) this.hs = { ...this.hs, commit: this.durable };
    if (!this.corruptReason && opts.verifyOnOpen === 'all') {
      const v = this.verifyAll();
      if (!v.ok) {
        this.corruptReason = `start-up verification: ${v.errors.slice(0, 3).join('; ')}`;
        this.logger.error({ errors: v.errors.slice(0, 10) }, 'log failed its checksums at start-up');
      }
    }
    // Where a start's time goes (recovery scans the tail, 'all' re-reads every segment).
    const bytes = this.segments.reduce((n, seg) => n + seg.size, 0);
    this.logger.info?.(
      { recoveryMs: Math.round(t1 - t0), verifyMs: opts.verifyOnOpen === 'all' ? Math.round(performance.now() - t1) : 0, bytes, lastIndex: this.index.lastIndex() },
      'log opened',
    );
    // What recovery found may still sit in the page cache only: make it durable before use.
    if (!this.corruptReason) {
      for (const s of this.segments) this.dirty.add(s);
      this.sync();
    }
  }

  // ---- LogStorage ------------------------------------------------------------------

  firstIndex(): number {
    this.checkOpen();
    return this.index.firstIndex;
  }

  lastIndex(): number {
    this.checkOpen();
    return this.index.lastIndex();
  }

  term(i: number): number | undefined {
    this.checkOpen();
    if (i === this.index.firstIndex - 1 && this.snap && this.snap.snapshot.meta.index === i) return this.snap.snapshot.meta.term;
    return this.index.termOf(i);
  }

  entries(lo: number, hi: number, bytesMax: number): Entry[] {
    this.checkOpen();
    if (lo >= hi) return [];
    if (lo < this.index.firstIndex || hi > this.index.lastIndex() + 1) {
      throw new EntryNotFoundError(`entries [${lo}, ${hi}) outside the log [${this.index.firstIndex}, ${this.index.lastIndex()}]`);
    }
    const out: Entry[] = [];
    let bytes = 0;
    let i = lo;
    // Bounded: each round adds at least one entry or stops.
    while (i < hi) {
      if (!this.cache.has(i)) {
        const end = this.runEnd(i, Math.min(hi, this.cache.size() > 0 ? this.cache.firstIndex() : hi), bytesMax - bytes, out.length === 0);
        if (end === i) break;
        readRun(this.segments, this.index, i, end, out, this.runBuffer, this.runCopies);
        for (let k = i; k < end; k++) bytes += this.index.sizeOf(k) - headerBytes;
        i = end;
        continue;
      }
      const e = this.cache.get(i);
      if (out.length > 0 && bytes + e.data.length > bytesMax) break;
      out.push(e);
      bytes += e.data.length;
      i += 1;
    }
    return out;
  }

  /**
   * One entry, for readers that jump through the log (the store's queue reads): from the cache,
   * else through a read-ahead window. `checked`: its CRCs were verified just now (read from
   * disk), so the bytes are what was written; a cached entry is as it was appended.
   */
  readEntry(i: number): { readonly entry: Entry; readonly checked: boolean } {
    this.checkOpen();
    if (!this.index.has(i)) throw new EntryNotFoundError(`entry ${i} not held (log is [${this.index.firstIndex}, ${this.index.lastIndex()}])`);
    if (this.cache.has(i)) return { entry: this.cache.get(i), checked: false };
    return { entry: this.window.read(this.segments, this.index, i), checked: true };
  }

  snapshot(): LedgerSnapshot | null {
    this.checkOpen();
    if (!this.snap) return null;
    this.snapView ??= { meta: this.snap.snapshot.meta, data: this.snap.snapshot.data, endPos: this.snap.endPos };
    return this.snapView;
  }

  // ---- hard state --------------------------------------------------------------------

  hardState(): HardState {
    this.checkOpen();
    return this.hs;
  }

  saveHardState(hs: HardState): void {
    this.checkOpen();
    this.io('hard state', () => saveHardStateFile(this.fs, this.dir, hs));
    this.hs = { term: hs.term, vote: hs.vote, commit: hs.commit };
  }

  /**
   * Saves a newer commit hint without fsync (hard-state-file.ts says why that is safe). The
   * caller passes only an index whose entry is durable here.
   */
  saveCommitHint(commit: number): void {
    this.checkOpen();
    assert(commit <= this.durable, `commit hint ${commit} beyond the durable index ${this.durable}`);
    if (commit <= this.hs.commit) return;
    this.io('commit hint', () => saveCommitHintFile(this.fs, this.dir, commit));
    this.hs = { ...this.hs, commit };
  }

  // ---- writing -----------------------------------------------------------------------

  append(entries: readonly Entry[]): void {
    this.checkWritable();
    if (entries.length === 0) return;
    this.validateAppend(entries);
    const first = entries[0].index;
    if (first <= this.index.lastIndex()) this.truncateFrom(first);
    this.io('segment write', () => this.writeEntries(entries));
  }

  sync(): SyncResult {
    this.checkOpen();
    if (this.corruptReason) return this.durableResult();
    const target = this.index.lastIndex();
    this.io('segments', () => {
      for (const s of this.dirty) s.fsync();
      for (const s of this.inFlight) s.fsync();
      this.dirty.clear();
      if (this.dirDirty) this.fs.fsyncDir(this.segDir);
      this.dirDirty = false;
      this.writeIndexRecords(target);
      if (this.indexUnsynced >= this.indexFsyncEveryRecords) {
        this.indexFile!.fsync();
        this.indexUnsynced = 0;
        this.saveMark();
      }
    });
    this.durable = Math.max(this.durable, target);
    return this.durableResult();
  }

  syncAsync(): Promise<SyncResult> {
    const run = this.syncChain.then(() => this.runAsyncSync());
    this.syncChain = run.catch(() => undefined);
    return run;
  }

  durableIndex(): number {
    this.checkOpen();
    return this.durable;
  }

  // ---- positions ---------------------------------------------------------------------

  /** location(i).pos without an object (searches probe many entries). */
  positionOf(i: number): number {
    this.checkOpen();
    if (!this.index.has(i)) throw new EntryNotFoundError(`entry ${i} not held (log is [${this.index.firstIndex}, ${this.index.lastIndex()}])`);
    return this.index.posOf(i);
  }

  /**
   * Index of the entry whose bytes hold position `pos` (a search of the in-memory index that
   * gallops from the entry found last); null when no entry does: below the first, in padding,
   * or past the last. The store's queue reads map each ConsumeQueue record to its entry so.
   */
  entryIndexAt(pos: number): number | null {
    this.checkOpen();
    return this.index.indexHolding(pos);
  }

  location(i: number): { pos: number; size: number; term: number } {
    this.checkOpen();
    if (!this.index.has(i)) throw new EntryNotFoundError(`entry ${i} not held (log is [${this.index.firstIndex}, ${this.index.lastIndex()}])`);
    return { pos: this.index.posOf(i), size: this.index.sizeOf(i), term: this.index.termOf(i)! };
  }

  readAt(pos: number): Entry {
    this.checkOpen();
    const si = findSegment(this.segments, pos);
    if (si === this.segments.length) throw new EntryNotFoundError(`no segment holds position ${pos}`);
    const seg = this.segments[si];
    const head = Buffer.allocUnsafe(headerBytes);
    if (seg.read(pos, head, 0, headerBytes) !== headerBytes) throw new EntryNotFoundError(`no entry at position ${pos}`);
    const h = decodeHeader(head, 0);
    if (!h || h.pos !== pos) throw new CorruptEntryError(`no valid entry header at position ${pos}`);
    if (isPad(h)) throw new EntryNotFoundError(`position ${pos} is padding`);
    const whole = Buffer.allocUnsafe(h.size);
    if (seg.read(pos, whole, 0, h.size) !== h.size) throw new CorruptEntryError(`entry at position ${pos} is cut short`);
    const e = decodeEntry(whole, 0);
    if (!e) throw new CorruptEntryError(`entry at position ${pos} fails its body checksum`);
    return e;
  }

  // ---- snapshots and retention -------------------------------------------------------

  installSnapshot(snap: Snapshot & { readonly endPos?: number }): void {
    this.checkWritable();
    const s = snap.meta.index;
    assert(Number.isSafeInteger(s) && s >= 0 && Number.isSafeInteger(snap.meta.term), `bad snapshot meta ${JSON.stringify(snap.meta)}`);
    const endPos = this.snapshotEndPos(snap);
    this.io('snapshot install', () => {
      saveSnapshotFile(this.fs, this.dir, { snapshot: { meta: snap.meta, data: snap.data }, endPos, installed: true });
      removeVerifiedMark(this.fs, this.dir);
      this.markedIndex = s;
      for (const seg of this.segments) this.retire(seg);
      this.segments = [];
      this.fs.fsyncDir(this.segDir);
      this.dirDirty = false;
      this.index = new EntryIndexClass(s + 1, snap.meta.term, endPos);
      this.indexFile = IndexFile.rewrite(this.fs, this.dir, this.index, 0, this.indexFile);
      this.indexUnsynced = 0;
    });
    this.snap = { snapshot: { meta: snap.meta, data: snap.data }, endPos, installed: true };
    this.snapView = null;
    this.cache.clear();
    this.window.clear();
    this.nextPos = endPos;
    this.durable = s;
    this.truncatedFloor = -Infinity;
  }

  saveSnapshot(snap: Snapshot, endPos: number): void {
    this.checkWritable();
    const s = snap.meta.index;
    assert(s >= this.index.firstIndex - 1 && s <= this.index.lastIndex(), `snapshot index ${s} outside the log`);
    assert(this.term(s) === snap.meta.term, `snapshot term ${snap.meta.term} differs from the log's term at ${s}`);
    const wantEnd = this.index.has(s) ? this.index.posOf(s) + this.index.sizeOf(s) : this.index.firstPos;
    assert(endPos === wantEnd, `snapshot endPos ${endPos}, the log says ${wantEnd}`);
    assert(!this.snap || s >= this.snap.snapshot.meta.index, `snapshot ${s} older than the saved one`);
    this.io('snapshot', () => saveSnapshotFile(this.fs, this.dir, { snapshot: snap, endPos, installed: false }));
    this.snap = { snapshot: snap, endPos, installed: false };
    this.snapView = null;
  }

  applyRetention(opts: RetentionOptions): { deletedSegments: number } {
    this.checkWritable();
    if (!this.snap) return { deletedSegments: 0 };
    const n = retainableSegments(this.segments, this.snap.endPos, opts, (s) => this.fs.mtimeMs(s.path));
    if (n === 0) return { deletedSegments: 0 };
    const newFirstPos = this.segments[n].start;
    const drop = this.index.countBelow(newFirstPos);
    const keepOnDisk = Math.max(0, this.indexFile!.countOnDisk - drop);
    if (drop > 0) this.index.dropFront(drop, newFirstPos);
    else this.index.firstPos = newFirstPos;
    this.cache.dropBelow(this.index.firstIndex);
    this.window.clear();
    this.io('retention', () => {
      // The new index start is durable before any segment goes: recovery then removes leftovers.
      this.indexFile = IndexFile.rewrite(this.fs, this.dir, this.index, keepOnDisk, this.indexFile);
      this.indexUnsynced = 0;
      for (const seg of this.segments.splice(0, n)) this.retire(seg);
      this.fs.fsyncDir(this.segDir);
    });
    return { deletedSegments: n };
  }

  // ---- inspection --------------------------------------------------------------------

  status(): LedgerStatus {
    let bytes = 0;
    for (const s of this.segments) bytes += s.size;
    return {
      corrupt: this.corruptReason !== null,
      reason: this.corruptReason,
      firstIndex: this.index.firstIndex,
      lastIndex: this.index.lastIndex(),
      durableIndex: this.durable,
      segments: this.segments.length,
      bytes,
    };
  }

  segmentChecksums(): { name: string; crc32c: number; bytes: number }[] {
    this.checkOpen();
    const buf = Buffer.allocUnsafe(scanWindowBytes);
    return this.segments.map((s) => {
      let crc = 0;
      // Bounded by the segment size.
      for (let off = 0; off < s.size; ) {
        const n = s.read(s.start + off, buf, 0, Math.min(buf.length, s.size - off));
        assert(n > 0, `short read of segment ${s.name}`);
        crc = crc32c(buf.subarray(0, n), crc);
        off += n;
      }
      return { name: s.name, crc32c: crc, bytes: s.size };
    });
  }

  /** Scans every segment, checking every CRC and that it agrees with the in-memory index. */
  verifyAll(): VerifyResult {
    this.checkOpen();
    const errors: string[] = [];
    let count = 0;
    let next = this.index.firstIndex;
    for (let si = 0; si < this.segments.length; si++) {
      const seg = this.segments[si];
      if (si > 0 && seg.start !== this.segments[si - 1].end) errors.push(`segment ${seg.name} does not follow the previous one`);
      const r = scanSegment(seg, seg.start, next, (i, term, _type, pos, size) => {
        count += 1;
        if (!this.index.has(i) || this.index.posOf(i) !== pos || this.index.sizeOf(i) !== size || this.index.termOf(i) !== term) {
          errors.push(`entry ${i} at ${pos} disagrees with the index`);
        }
      });
      next = r.nextIndex;
      if (r.stop.kind === 'bad') errors.push(`segment ${seg.name}: entry ${next} at ${r.stop.pos}: ${r.stop.reason}`);
      if (r.stop.kind === 'end' && si < this.segments.length - 1) errors.push(`segment ${seg.name} ends early`);
    }
    if (next !== this.index.lastIndex() + 1 && errors.length === 0) errors.push(`segments end at ${next - 1}, the index at ${this.index.lastIndex()}`);
    return { ok: errors.length === 0, errors, entries: count };
  }

  /** Closes the files (after any in-flight async sync, which then fails with LedgerClosedError). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.asyncSyncs === 0) this.closeFiles();
  }

  // ---- internals ---------------------------------------------------------------------

  private closeFiles(): void {
    if (this.failure === null && this.indexUnsynced > 0) {
      // Best effort: a fresh checkpoint shortens the next recovery scan.
      try {
        this.indexFile?.fsync();
        this.saveMark();
      } catch (err) {
        this.logger.warn({ err: String(err) }, 'index fsync at close failed');
      }
    }
    for (const s of this.segments) s.close();
    for (const s of this.closeLater.splice(0)) s.close();
    this.indexFile?.close();
  }

  private checkOpen(): void {
    if (this.failure !== null) throw new LedgerStoppedError(this.failure);
    if (this.closed) throw new LedgerClosedError();
  }

  private checkWritable(): void {
    this.checkOpen();
    if (this.corruptReason) throw new LedgerCorruptError(this.corruptReason);
  }

  /** Runs an I/O step; any failure stops the ledger for good (fail-stop, no retry). */
  private io<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw this.stop(what, err);
    }
  }

  private stop(what: string, err: unknown): Error {
    if (err instanceof LedgerStoppedError || err instanceof FsyncFailedError) return err;
    const failure = new FsyncFailedError(what, err);
    if (this.failure === null) {
      this.failure = failure;
      this.logger.error({ err: String(err), what }, 'I/O failure: the ledger stops');
    }
    return failure;
  }

  private durableResult(): SyncResult {
    const i = this.durable;
    return { index: i, term: this.term(i) ?? 0 };
  }

  private validateAppend(entries: readonly Entry[]): void {
    const first = entries[0].index;
    const last = this.index.lastIndex();
    if (first < this.index.firstIndex) throw new NonContiguousAppendError(`append at ${first} below the log start ${this.index.firstIndex}`);
    if (this.snap && first <= this.snap.snapshot.meta.index) throw new NonContiguousAppendError(`append at ${first} would replace entries covered by snapshot ${this.snap.snapshot.meta.index}`);
    if (first > last + 1) throw new NonContiguousAppendError(`append at ${first} leaves a gap after ${last}`);
    let prevTerm = this.term(first - 1) ?? 0;
    for (let k = 0; k < entries.length; k++) {
      const e = entries[k];
      if (e.index !== first + k) throw new NonContiguousAppendError(`entry ${k} of the batch has index ${e.index}, expected ${first + k}`);
      if (!Number.isSafeInteger(e.term) || e.term < prevTerm) throw new NonContiguousAppendError(`entry ${e.index} has term ${e.term} below ${prevTerm}`);
      if (e.data.length > this.entryBytesMax) throw new EntryTooLargeError(e.index, e.data.length, this.entryBytesMax);
      prevTerm = e.term;
    }
  }

  private writeEntries(entries: readonly Entry[]): void {
    let seg = this.activeSegment();
    let fill = 0;
    for (const e of entries) {
      const size = headerBytes + e.data.length;
      // At most twice: a log restarted mid-segment (snapshot install) may need to seal a short first segment.
      for (let round = 0; seg === null || this.nextPos + size > seg.end; round++) {
        assert(round < 3, 'entry does not fit an empty segment');
        if (seg !== null) {
          const pad = seg.end - this.nextPos;
          if (pad > 0) {
            this.reserve(fill + pad);
            encodePad(this.scratch, fill, pad, this.nextPos);
            fill += pad;
          }
          fill = this.flush(seg, fill);
          this.nextPos = seg.end;
        }
        seg = this.createSegment(this.nextPos);
      }
      if (fill > 0 && fill + size > writeChunkBytesMax) fill = this.flush(seg, fill);
      this.reserve(fill + size);
      encodeEntry(this.scratch, fill, e, this.nextPos);
      this.index.push(this.nextPos, size, e.term);
      this.cache.push(e);
      this.nextPos += size;
      fill += size;
    }
    if (seg !== null) this.flush(seg, fill);
    assert(this.nextPos <= positionMax, 'position overflow');
  }

  /** The last segment if the next write goes into it. */
  private activeSegment(): SegmentFile | null {
    const last = this.segments[this.segments.length - 1];
    if (!last || this.nextPos >= last.end) return null;
    assert(last.nextPos() === this.nextPos, `segment ${last.name} ends at ${last.nextPos()}, log at ${this.nextPos}`);
    return last;
  }

  private createSegment(start: number): SegmentFile {
    const seg = SegmentFile.open(this.fs, this.segDir, start, this.segmentBytes);
    assert(seg.size === 0, `new segment ${seg.name} is not empty`);
    this.segments.push(seg);
    this.dirDirty = true;
    return seg;
  }

  private reserve(bytes: number): void {
    if (bytes <= this.scratch.length) return;
    const grown = Buffer.allocUnsafe(Math.max(bytes, this.scratch.length * 2));
    this.scratch.copy(grown);
    this.scratch = grown;
  }

  private flush(seg: SegmentFile, fill: number): number {
    if (fill === 0) return 0;
    seg.append(this.scratch, 0, fill);
    this.dirty.add(seg);
    return 0;
  }

  /** Removes entries from `i` on; their positions are reused by what follows. */
  private truncateFrom(i: number): void {
    const pos = this.index.posOf(i);
    const si = findSegment(this.segments, pos);
    assert(si < this.segments.length, `no segment for position ${pos}`);
    const kept = i - this.index.firstIndex;
    this.io('truncate', () => {
      // The mark may name an entry about to be replaced: gone before the entry is. Not made
      // durable: a mark a crash brings back names an (index, term) the new entries cannot have
      // (they are of a later term), so recovery ignores it.
      if (this.markedIndex >= i) {
        removeVerifiedMark(this.fs, this.dir);
        this.markedIndex = i - 1;
      }
      // The index file may name the old entries as durable: cut it durably before overwriting them.
      if (this.indexFile!.countOnDisk > kept) {
        this.indexFile!.truncateRecords(kept);
        this.indexFile!.fsync();
      }
      for (const seg of this.segments.splice(si + 1)) this.retire(seg);
      this.segments[si].truncateTo(pos);
      // Durably, before new entries reuse the positions: otherwise a power loss can keep a new
      // record (index i + 1 of the new term) while an earlier one reverts to the old entry it
      // overwrote (index i of the old term), or bring back a retired segment — a log no leader
      // ever had, which recovery cannot tell from a real one (every record checks).
      this.segments[si].fsync();
      if (this.dirDirty) {
        this.fs.fsyncDir(this.segDir);
        this.dirDirty = false;
      }
    });
    this.dirty.add(this.segments[si]);
    this.index.truncate(kept);
    this.cache.truncateFrom(i);
    this.window.clear();
    this.nextPos = pos;
    this.durable = Math.min(this.durable, i - 1);
    this.truncatedFloor = Math.min(this.truncatedFloor, i);
  }

  private retire(seg: SegmentFile): void {
    this.dirty.delete(seg);
    this.fs.unlink(seg.path);
    this.dirDirty = true;
    if (this.asyncSyncs > 0) this.closeLater.push(seg);
    else seg.close();
  }

  /** After an index fsync: what the index file names is fsynced, so recovery may skip re-checking it. */
  private saveMark(): void {
    const mark = markOf(this.index, this.indexFile!.countOnDisk);
    if (mark === null) return;
    saveVerifiedMark(this.fs, this.dir, mark);
    this.markedIndex = mark.index;
  }

  private writeIndexRecords(upTo: number): void {
    const count = Math.min(upTo, this.index.lastIndex()) - this.index.firstIndex + 1;
    if (count <= this.indexFile!.countOnDisk) return;
    this.indexUnsynced += count - this.indexFile!.countOnDisk;
    this.indexFile!.appendRecords(this.index, count);
  }

  private async runAsyncSync(): Promise<SyncResult> {
    this.checkOpen();
    if (this.corruptReason) return this.durableResult();
    const target = this.index.lastIndex();
    const segs = [...this.dirty];
    this.dirty.clear();
    for (const s of segs) this.inFlight.add(s);
    const dir = this.dirDirty;
    this.dirDirty = false;
    this.truncatedFloor = Infinity;
    this.asyncSyncs += 1;
    try {
      await Promise.all(segs.map((s) => s.fsyncAsync()));
      this.checkOpen();
      if (dir) this.fs.fsyncDir(this.segDir);
      const bound = Math.min(target, this.truncatedFloor - 1);
      this.writeIndexRecords(bound);
      if (this.indexUnsynced >= this.indexFsyncEveryRecords) {
        this.indexUnsynced = 0;
        await this.indexFile!.fsyncAsync();
        this.checkOpen();
        this.saveMark();
      }
      this.durable = Math.max(this.durable, Math.min(bound, this.truncatedFloor - 1));
    } catch (err) {
      if (this.closed) throw new LedgerClosedError();
      throw this.stop('segments (async)', err);
    } finally {
      this.asyncSyncs -= 1;
      for (const s of segs) this.inFlight.delete(s);
      if (this.asyncSyncs === 0) {
        if (this.closed) this.closeFiles();
        else for (const s of this.closeLater.splice(0)) s.close();
      }
    }
    return this.durableResult();
  }

  /** Where the log continues after an installed snapshot: the leader's position, carried with it. */
  private snapshotEndPos(snap: Snapshot & { readonly endPos?: number }): number {
    if (typeof snap.endPos === 'number') {
      assert(Number.isSafeInteger(snap.endPos) && snap.endPos >= 0, `bad snapshot endPos ${snap.endPos}`);
      return snap.endPos;
    }
    const s = snap.meta.index;
    if (this.index.has(s) && this.index.termOf(s) === snap.meta.term) return this.index.posOf(s) + this.index.sizeOf(s);
    // Without the leader's position this replica's positions will differ from the leader's.
    const fallback = Math.ceil(this.nextPos / this.segmentBytes) * this.segmentBytes;
    this.logger.warn({ index: s, fallback }, 'snapshot carries no endPos; positions will differ from the leader');
    return fallback;
  }

  /** End of the disk-read run starting at `lo`: stop before `hi` or once `bytesLeft` is used. */
  private runEnd(lo: number, hi: number, bytesLeft: number, mustTakeOne: boolean): number {
    let end = lo;
    let bytes = 0;
    // Bounded by hi - lo.
    while (end < hi) {
      const b = this.index.sizeOf(end) - headerBytes;
      if (bytes + b > bytesLeft && !(mustTakeOne && end === lo)) break;
      bytes += b;
      end += 1;
    }
    return end;
  }
}
