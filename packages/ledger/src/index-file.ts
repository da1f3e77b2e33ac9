// The index file on disk: a header (first index, its previous term, first position) and one
// fixed-size record per entry. Records are appended only by sync(), after the segments they
// describe were fsynced, so every record in the file names an entry that was durable: the
// file doubles as recovery's checkpoint.

import { crc32c } from '@node-rs/crc32';
import { assert } from './assert.ts';
import { indexHeaderBytes, indexRecordBytes } from './constants.ts';
import { readU64, writeU64 } from './entry-codec.ts';
import { EntryIndex } from './entry-index.ts';
import type { FileSystem } from './fs/file-system.ts';
import { readWholeFile, writeFileAtomic } from './fs/file-system.ts';

const indexMagic = 0x31494c51; // 'QLI1'
export const indexFileName = 'index';

export class IndexFile {
  private fd: number;
  /** Records present in the file. */
  countOnDisk: number;
  private scratch = Buffer.alloc(64 * indexRecordBytes);

  private constructor(
    private readonly fs: FileSystem,
    private readonly dir: string,
    countOnDisk: number,
  ) {
    this.fd = fs.open(`${dir}/${indexFileName}`, 'rw');
    this.countOnDisk = countOnDisk;
  }

  /** Opens the existing file, whose first `count` records are known good (the rest is cut off). */
  static openExisting(fs: FileSystem, dir: string, count: number): IndexFile {
    const f = new IndexFile(fs, dir, count);
    const want = indexHeaderBytes + count * indexRecordBytes;
    if (fs.size(f.fd) !== want) {
      fs.truncate(f.fd, want);
      fs.fsync(f.fd);
    }
    return f;
  }

  /** Atomically replaces the file with the header of `index` and its first `count` records. */
  static rewrite(fs: FileSystem, dir: string, index: EntryIndex, count: number, old: IndexFile | null): IndexFile {
    assert(count >= 0 && count <= index.count, `index rewrite count ${count}`);
    const buf = Buffer.alloc(indexHeaderBytes + count * indexRecordBytes);
    encodeIndexHeader(buf, index);
    for (let k = 0; k < count; k++) encodeRecord(buf, indexHeaderBytes + k * indexRecordBytes, index, index.firstIndex + k);
    if (old) old.close();
    writeFileAtomic(fs, dir, indexFileName, buf);
    return new IndexFile(fs, dir, count);
  }

  /** Writes records [countOnDisk, count) of `index` with one write (no fsync). */
  appendRecords(index: EntryIndex, count: number): void {
    assert(count >= this.countOnDisk && count <= index.count, `index append ${this.countOnDisk}..${count}`);
    const n = count - this.countOnDisk;
    if (n === 0) return;
    if (this.scratch.length < n * indexRecordBytes) this.scratch = Buffer.alloc(Math.max(n * indexRecordBytes, this.scratch.length * 2));
    for (let k = 0; k < n; k++) encodeRecord(this.scratch, k * indexRecordBytes, index, index.firstIndex + this.countOnDisk + k);
    this.fs.write(this.fd, this.scratch, 0, n * indexRecordBytes, indexHeaderBytes + this.countOnDisk * indexRecordBytes);
    this.countOnDisk = count;
  }

  /** Cuts the file to `count` records (no fsync). */
  truncateRecords(count: number): void {
    assert(count >= 0 && count <= this.countOnDisk, `index truncate ${count} of ${this.countOnDisk}`);
    this.fs.truncate(this.fd, indexHeaderBytes + count * indexRecordBytes);
    this.countOnDisk = count;
  }

  fsync(): void {
    this.fs.fsync(this.fd);
  }

  fsyncAsync(): Promise<void> {
    return this.fs.fsyncAsync ? this.fs.fsyncAsync(this.fd) : Promise.resolve(this.fs.fsync(this.fd));
  }

  close(): void {
    this.fs.close(this.fd);
  }
}

function encodeIndexHeader(buf: Buffer, index: EntryIndex): void {
  buf.writeUInt32LE(indexMagic, 0);
  buf.writeUInt32LE(1, 4);
  writeU64(buf, 8, index.firstIndex);
  writeU64(buf, 16, index.prevTerm);
  writeU64(buf, 24, index.firstPos);
  buf.writeUInt32LE(0, 32);
  buf.writeUInt32LE(crc32c(buf.subarray(0, 36)), 36);
}

function encodeRecord(buf: Buffer, o: number, index: EntryIndex, i: number): void {
  writeU64(buf, o, index.posOf(i));
  buf.writeUInt32LE(index.sizeOf(i), o + 8);
  writeU64(buf, o + 12, index.termOf(i) as number);
}

/** Loads the file into a fresh EntryIndex, or null when missing or its header is bad. A partial last record is ignored. */
export function loadIndexFile(fs: FileSystem, dir: string): EntryIndex | null {
  const path = `${dir}/${indexFileName}`;
  if (!fs.exists(path)) return null;
  const raw = readWholeFile(fs, path);
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (buf.length < indexHeaderBytes || buf.readUInt32LE(0) !== indexMagic) return null;
  if (crc32c(buf.subarray(0, 36)) !== buf.readUInt32LE(36)) return null;
  const firstIndex = readU64(buf, 8);
  if (firstIndex < 1) return null;
  const index = new EntryIndex(firstIndex, readU64(buf, 16), readU64(buf, 24));
  const n = Math.floor((buf.length - indexHeaderBytes) / indexRecordBytes);
  for (let k = 0; k < n; k++) {
    const o = indexHeaderBytes + k * indexRecordBytes;
    index.push(readU64(buf, o), buf.readUInt32LE(o + 8), readU64(buf, o + 12));
  }
  return index;
}
