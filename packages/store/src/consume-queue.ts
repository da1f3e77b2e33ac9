// One ConsumeQueue: the queue offsets of one topic/queue, as fixed 20-byte records in files
// of `recordsPerFile` records named by their first queue offset. Record q sits at byte
// (q - fileStart) * 20 of file floor(q / recordsPerFile) * recordsPerFile, so a queue that
// starts mid-file (restored from a snapshot) leaves a hole that is never read.
//
// Writes are plain writes (no fsync): the state machine's checkpoint fsyncs them (DirtyFiles)
// before it records the queue's next offset, and open truncates back to that offset.

import { existsSync, ftruncateSync, fstatSync, mkdirSync, openSync, readdirSync, readSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { assert, assertUint } from './assert.ts';
import { cqFileNameDigits, cqRecordBytes } from './constants.ts';
import { type CqRecord, readCqRecord, writeCqRecord } from './cq-record.ts';
import type { DirtyFiles } from './dirty-files.ts';
import { CorruptStoreError } from './errors.ts';

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
  private readonly fds = new Map<number, number>();
  private min: number;
  private next: number;
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
    this.min = state.minOffset;
    this.next = state.nextOffset;
  }

  /** A queue with no records, starting at `startOffset` (0, or a snapshot's next offset). Wipes leftovers. */
  static create(opts: ConsumeQueueOptions, startOffset: number): ConsumeQueue {
    const q = new ConsumeQueue(opts, { minOffset: startOffset, nextOffset: startOffset });
    rmSync(q.dir, { recursive: true, force: true });
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
    this.checkOpen();
    const first = this.next;
    let k = 0;
    while (k < records.length) {
      const start = this.fileStart(this.next);
      const n = Math.min(records.length - k, start + this.perFile - this.next);
      const buf = Buffer.allocUnsafe(n * cqRecordBytes);
      for (let j = 0; j < n; j++) writeCqRecord(buf, j * cqRecordBytes, records[k + j]);
      const fd = this.fd(start, true);
      const written = writeSync(fd, buf, 0, buf.length, (this.next - start) * cqRecordBytes);
      assert(written === buf.length, `short write to consume queue ${this.topic}/${this.queueId}`);
      this.files.markDirty(fd);
      this.next += n;
      k += n;
    }
    return first;
  }

  /** Up to `countMax` records from `offset`, which must be in [minOffset, nextOffset). */
  read(offset: number, countMax: number): CqRecord[] {
    this.checkOpen();
    assert(offset >= this.min && offset < this.next, `offset ${offset} outside [${this.min}, ${this.next})`);
    assert(countMax >= 1, 'countMax must be >= 1');
    const out: CqRecord[] = [];
    let at = offset;
    const end = Math.min(this.next, offset + countMax);
    while (at < end) {
      const start = this.fileStart(at);
      const n = Math.min(end - at, start + this.perFile - at);
      const buf = Buffer.allocUnsafe(n * cqRecordBytes);
      const got = readSync(this.fd(start, false), buf, 0, buf.length, (at - start) * cqRecordBytes);
      if (got !== buf.length) throw new CorruptStoreError(`consume queue ${this.topic}/${this.queueId} is short at offset ${at}`);
      for (let j = 0; j < n; j++) out.push(readCqRecord(buf, j * cqRecordBytes));
      at += n;
    }
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
    this.min = offset;
    for (const start of this.fileStarts()) {
      if (start + this.perFile > this.min) continue;
      this.dropFile(start);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const fd of this.fds.values()) this.files.close(fd);
    this.fds.clear();
  }

  /** Closes the queue and deletes its files (topic deleted, snapshot restore). */
  destroy(): void {
    this.close();
    rmSync(this.dir, { recursive: true, force: true });
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
    const have = fstatSync(fd).size;
    if (have < want && this.min < this.next) {
      throw new CorruptStoreError(`consume queue ${this.topic}/${this.queueId} has ${have} bytes in file ${keepTo}, checkpoint needs ${want}`);
    }
    if (have > want) {
      ftruncateSync(fd, want);
      this.files.markDirty(fd);
    }
  }

  private fileStart(offset: number): number {
    return offset - (offset % this.perFile);
  }

  private fileStarts(): number[] {
    if (!existsSync(this.dir)) return [];
    const out: number[] = [];
    for (const name of readdirSync(this.dir)) {
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
    const exists = existsSync(file);
    if (!exists && !create) throw new CorruptStoreError(`consume queue file ${file} is missing`);
    fd = openSync(file, exists ? 'r+' : 'w+');
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
    unlinkSync(this.filePath(start));
    this.files.markDirDirty(this.dir);
  }

  private makeDir(rootDir: string): void {
    if (existsSync(this.dir)) return;
    mkdirSync(this.dir, { recursive: true });
    this.files.markDirDirty(this.dir);
    this.files.markDirDirty(path.dirname(this.dir));
    this.files.markDirDirty(rootDir);
  }

  private checkOpen(): void {
    assert(!this.closed, `consume queue ${this.topic}/${this.queueId} is closed`);
  }
}
