// One ConsumeQueue: the queue offsets of one topic/queue, as fixed 20-byte records in files
// of `recordsPerFile` records named by their first queue offset. Record q sits at byte
// (q - fileStart) * 20 of file floor(q / recordsPerFile) * recordsPerFile, so a queue that
// starts mid-file (restored from a snapshot) leaves a hole that is never read.
//
// Appends go to an in-memory tail of at most cqTailRecordsMax records (reads see it at once)
// and reach the file with one plain write when the tail fills, reaches a file boundary, or a
// checkpoint calls writeOut(). The state machine's checkpoint then fsyncs them (DirtyFiles)
// before it records the queue's next offset, and open truncates back to that offset: records
// lost with the tail in a crash are past the checkpoint, and replay re-creates them. So are
// records written out but not fsynced, and a torn partial record after them (a power loss):
// open cuts every file back to the checkpoint whatever lies past it.
//
// Files are read and written through `files.fs` (store-fs.ts), the real file system by default.

import path from 'node:path';
import { assert, assertUint } from './assert.ts';
import { cqFileNameDigits, cqRecordBytes, cqTailRecordsMax, cqTailRecordsMin } from './constants.ts';
import { type CqRecord, putCqRecord, readCqRecord, writeCqRecord } from './cq-record.ts';
import type { DirtyFiles } from './dirty-files.ts';
import { CorruptStoreError } from './errors.ts';
import { type FileSystem, removeTree } from './store-fs.ts';

export interface QueueState {
  /** Lowest readable queue offset (raised by retention, or the snapshot's start). */
  readonly minOffset: number;
  /** The queue offset the next appended message gets. */
  readonly nextOffset: number;
}

export interface ConsumeQueueOptions {
  /** `<storeDir>/consumequeue` */
  readonly rootDir: string;
  readonly topic: string;
  readonly queueId: number;
  readonly recordsPerFile: number;
  readonly files: DirtyFiles;
}

export function queueDir(rootDir: string, topic: string, queueId: number): string {
  return path.join(rootDir, topic, String(queueId));
}

export class ConsumeQueue {
  readonly topic: string;
  readonly queueId: number;
  private readonly dir: string;
  private readonly perFile: number;
  private readonly files: DirtyFiles;
  private readonly fs: FileSystem;
  private readonly fds = new Map<number, number>();
  private min: number;
  private next: number;
  /** Records [tailStart, next) are in `tail` only (never across a file boundary). */
  private tail: Buffer | null = null;
  private tailStart: number;
  private closed = false;

  private constructor(opts: ConsumeQueueOptions, state: QueueState) {
    assert(Number.isSafeInteger(opts.recordsPerFile) && opts.recordsPerFile >= 1, `recordsPerFile ${opts.recordsPerFile}`);
    assertUint(state.minOffset, 'min offset');
    assert(state.minOffset <= state.nextOffset, `min ${state.minOffset} > next ${state.nextOffset}`);
    this.topic = opts.topic;
    this.queueId = opts.queueId;
    this.dir = queueDir(opts.rootDir, opts.topic, opts.queueId);
    this.perFile = opts.recordsPerFile;
    this.files = opts.files;
    this.fs = opts.files.fs;
    this.min = state.minOffset;
    this.next = state.nextOffset;
    this.tailStart = state.nextOffset;
  }

  /** A queue with no records, starting at `startOffset` (0, or a snapshot's next offset). Wipes leftovers. */
  static create(opts: ConsumeQueueOptions, startOffset: number): ConsumeQueue {
    const q = new ConsumeQueue(opts, { minOffset: startOffset, nextOffset: startOffset });
    removeTree(q.fs, q.dir);
    q.makeDir(opts.rootDir);
    return q;
  }

  /**
   * Reopens a queue at a checkpointed state: records at or past `nextOffset` were written after
   * the checkpoint and are cut (replay re-creates them); files wholly below `minOffset` are
   * deleted (a retention that crashed before its checkpoint).
   */
  static recover(opts: ConsumeQueueOptions, state: QueueState): ConsumeQueue {
    const q = new ConsumeQueue(opts, state);
    q.makeDir(opts.rootDir);
    q.recoverFiles();
    return q;
  }

  minOffset(): number {
    return this.min;
  }

  nextOffset(): number {
    return this.next;
  }

  state(): QueueState {
    return { minOffset: this.min, nextOffset: this.next };
  }

  /** Appends records at the next offsets; returns the first queue offset assigned. */
  append(records: readonly CqRecord[]): number {
    const first = this.next;
    for (const r of records) this.appendRecord(r.physicalOffset, r.size, r.tagHash);
    return first;
  }

  /** Appends one record (to the tail, in memory); returns its queue offset. */
  appendRecord(physicalOffset: number, size: number, tagHash: number): number {
    this.checkOpen();
    const count = this.next - this.tailStart;
    let tail = this.tail;
    if (tail === null || count * cqRecordBytes === tail.length) {
      if (count >= cqTailRecordsMax) {
        this.writeOut();
      } else {
        tail = this.growTail(tail, count);
      }
      tail = this.tail!;
    }
    const at = (this.next - this.tailStart) * cqRecordBytes;
    putCqRecord(tail, at, physicalOffset, size, tagHash);
    const offset = this.next;
    this.next += 1;
    // The tail never spans two files: a full file's records go out at once.
    if (this.next % this.perFile === 0) this.writeOut();
    return offset;
  }

  /** Writes the tail to its file (a plain write; the checkpoint fsyncs it). */
  writeOut(): void {
    this.checkOpen();
    const count = this.next - this.tailStart;
    if (count === 0) return;
    const start = this.fileStart(this.tailStart);
    const bytes = count * cqRecordBytes;
    const fd = this.fd(start, true);
    // FileSystem.write writes every byte or throws.
    this.fs.write(fd, this.tail!, 0, bytes, (this.tailStart - start) * cqRecordBytes);
    this.files.markDirty(fd);
    this.tailStart = this.next;
  }

  /** Up to `countMax` records from `offset`, which must be in [minOffset, nextOffset). */
  read(offset: number, countMax: number): CqRecord[] {
    const buf = this.readRecords(offset, countMax);
    const out: CqRecord[] = new Array(buf.length / cqRecordBytes);
    for (let j = 0; j < out.length; j++) out[j] = readCqRecord(buf, j * cqRecordBytes);
    return out;
  }

  /**
   * Up to `countMax` raw 20-byte records from `offset` (in [minOffset, nextOffset)), in one
   * buffer: one read per file touched, then the in-memory tail.
   */
  readRecords(offset: number, countMax: number): Buffer {
    this.checkOpen();
    if (!(offset >= this.min && offset < this.next)) assert(false, `offset ${offset} outside [${this.min}, ${this.next})`);
    assert(countMax >= 1, 'countMax must be >= 1');
    const end = Math.min(this.next, offset + countMax);
    const out = Buffer.allocUnsafe((end - offset) * cqRecordBytes);
    let at = offset;
    while (at < end && at < this.tailStart) {
      const start = this.fileStart(at);
      const n = Math.min(end, this.tailStart, start + this.perFile) - at;
      const bytes = n * cqRecordBytes;
      const got = this.fs.read(this.fd(start, false), out, (at - offset) * cqRecordBytes, bytes, (at - start) * cqRecordBytes);
      if (got !== bytes) throw new CorruptStoreError(`consume queue ${this.topic}/${this.queueId} is short at offset ${at}`);
      at += n;
    }
    if (at < end) this.tail!.copy(out, (at - offset) * cqRecordBytes, (at - this.tailStart) * cqRecordBytes, (end - this.tailStart) * cqRecordBytes);
    return out;
  }

  get(offset: number): CqRecord {
    return this.read(offset, 1)[0];
  }

  /** First offset in [minOffset, nextOffset) where the monotone predicate holds, else nextOffset. */
  lowerBound(pred: (offset: number, r: CqRecord) => boolean): number {
    let lo = this.min;
    let hi = this.next;
    while (lo < hi) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (pred(mid, this.get(mid))) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Raises minOffset to `offset` (never lowers it) and deletes files wholly below it. */
  retireBefore(offset: number): void {
    this.checkOpen();
    assert(offset <= this.next, `retire to ${offset} beyond next ${this.next}`);
    if (offset <= this.min) return;
    this.writeOut();
    this.min = offset;
    for (const start of this.fileStarts()) {
      if (start + this.perFile > this.min) continue;
      this.dropFile(start);
    }
  }

  /** Writes the tail out (no fsync) and closes the files. */
  close(): void {
    if (this.closed) return;
    this.writeOut();
    this.closed = true;
    for (const fd of this.fds.values()) this.files.close(fd);
    this.fds.clear();
  }

  /** Closes the queue and deletes its files (topic deleted, snapshot restore). */
  destroy(): void {
    this.close();
    removeTree(this.fs, this.dir);
    this.files.markDirDirty(path.dirname(this.dir));
  }

  // ---- files -------------------------------------------------------------------------

  private recoverFiles(): void {
    const keepTo = this.next === 0 ? 0 : this.fileStart(this.next - 1);
    for (const start of this.fileStarts()) {
      if (start > keepTo || start >= this.next || start + this.perFile <= this.min) this.dropFile(start);
    }
    const starts = this.fileStarts();
    // Retention deleted files and crashed before its checkpoint recorded the new minimum.
    this.min = Math.max(this.min, starts.length === 0 ? this.next : starts[0]);
    this.min = Math.min(this.min, this.next);
    if (this.min < this.next) {
      for (let s = this.fileStart(this.min); s <= keepTo; s += this.perFile) {
        if (!starts.includes(s)) throw new CorruptStoreError(`consume queue ${this.topic}/${this.queueId} is missing file ${s}`);
      }
    }
    if (!starts.includes(keepTo)) return;
    const fd = this.fd(keepTo, false);
    const want = (this.next - keepTo) * cqRecordBytes;
    // Past the checkpoint a file may hold anything a crash left: whole records, a torn partial
    // one, or less than was written (a power loss keeps only what was fsynced). Only `want`
    // bytes are the checkpoint's, and those were fsynced before it was recorded.
    const have = this.fs.size(fd);
    if (have < want && this.min < this.next) {
      throw new CorruptStoreError(`consume queue ${this.topic}/${this.queueId} has ${have} bytes in file ${keepTo}, checkpoint needs ${want}`);
    }
    if (have > want) {
      this.fs.truncate(fd, want);
      this.files.markDirty(fd);
    }
  }

  private growTail(tail: Buffer | null, count: number): Buffer {
    const records = tail === null ? cqTailRecordsMin : Math.min(cqTailRecordsMax, (tail.length / cqRecordBytes) * 2);
    const grown = Buffer.allocUnsafe(records * cqRecordBytes);
    if (tail !== null) tail.copy(grown, 0, 0, count * cqRecordBytes);
    this.tail = grown;
    return grown;
  }

  private fileStart(offset: number): number {
    return offset - (offset % this.perFile);
  }

  private fileStarts(): number[] {
    if (!this.fs.exists(this.dir)) return [];
    const out: number[] = [];
    for (const name of this.fs.readdir(this.dir)) {
      if (!/^\d+$/.test(name)) continue;
      const start = Number(name);
      if (start % this.perFile !== 0) throw new CorruptStoreError(`consume queue file ${path.join(this.dir, name)} does not start at a multiple of ${this.perFile}`);
      out.push(start);
    }
    return out.sort((a, b) => a - b);
  }

  private filePath(start: number): string {
    return path.join(this.dir, String(start).padStart(cqFileNameDigits, '0'));
  }

  private fd(start: number, create: boolean): number {
    let fd = this.fds.get(start);
    if (fd !== undefined) return fd;
    const file = this.filePath(start);
    const exists = this.fs.exists(file);
    if (!exists && !create) throw new CorruptStoreError(`consume queue file ${file} is missing`);
    // 'rw' even to read: the same descriptor takes the writes of a later writeOut.
    fd = this.fs.open(file, 'rw');
    if (!exists) this.files.markDirDirty(this.dir);
    this.fds.set(start, fd);
    return fd;
  }

  private dropFile(start: number): void {
    const fd = this.fds.get(start);
    if (fd !== undefined) {
      this.files.close(fd);
      this.fds.delete(start);
    }
    this.fs.unlink(this.filePath(start));
    this.files.markDirDirty(this.dir);
  }

  private makeDir(rootDir: string): void {
    if (this.fs.exists(this.dir)) return;
    this.fs.mkdirp(this.dir);
    this.files.markDirDirty(this.dir);
    this.files.markDirDirty(path.dirname(this.dir));
    this.files.markDirDirty(rootDir);
  }

  private checkOpen(): void {
    // The message is built only on failure: this runs once per appended record.
    if (this.closed) assert(false, `consume queue ${this.topic}/${this.queueId} is closed`);
  }
}
