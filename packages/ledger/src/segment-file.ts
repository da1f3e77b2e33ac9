// One data segment: a file named by the absolute position of its first byte. Its capacity
// ends at the next multiple of segmentBytes, so segment boundaries (and therefore padding
// and every entry's position) are the same on every replica, even for a follower whose log
// restarted mid-segment after a snapshot install.

import { assert } from './assert.ts';
import { segmentNameDigits } from './constants.ts';
import type { FileSystem } from './fs/file-system.ts';

export function segmentName(start: number): string {
  return String(start).padStart(segmentNameDigits, '0');
}

export function parseSegmentName(name: string): number | null {
  if (name.length !== segmentNameDigits || !/^[0-9]+$/.test(name)) return null;
  const start = Number(name);
  return Number.isSafeInteger(start) ? start : null;
}

/** First position after the segment that starts at `start`. */
export function segmentEnd(start: number, segmentBytes: number): number {
  return (Math.floor(start / segmentBytes) + 1) * segmentBytes;
}

export class SegmentFile {
  readonly name: string;
  readonly path: string;
  readonly end: number;
  /** Bytes held by the file (the next write goes at start + size). */
  size: number;
  private closed = false;

  private constructor(
    private readonly fs: FileSystem,
    dir: string,
    readonly start: number,
    segmentBytes: number,
    private readonly fd: number,
  ) {
    this.name = segmentName(start);
    this.path = `${dir}/${this.name}`;
    this.end = segmentEnd(start, segmentBytes);
    this.size = fs.size(fd);
  }

  static open(fs: FileSystem, dir: string, start: number, segmentBytes: number): SegmentFile {
    return new SegmentFile(fs, dir, start, segmentBytes, fs.open(`${dir}/${segmentName(start)}`, 'rw'));
  }

  nextPos(): number {
    return this.start + this.size;
  }

  contains(pos: number): boolean {
    return pos >= this.start && pos < this.end;
  }

  /** Appends bytes at the end of the file (no fsync). */
  append(buf: Uint8Array, offset: number, length: number): void {
    assert(this.nextPos() + length <= this.end, `write past the end of segment ${this.name}`);
    this.fs.write(this.fd, buf, offset, length, this.size);
    this.size += length;
  }

  /** Reads [pos, pos+length) into buf; returns the bytes read (short at the end of the file). */
  read(pos: number, buf: Uint8Array, offset: number, length: number): number {
    assert(pos >= this.start, `read below segment ${this.name}`);
    return this.fs.read(this.fd, buf, offset, length, pos - this.start);
  }

  /** Cuts the file so that `pos` is the next write position (no fsync). */
  truncateTo(pos: number): void {
    assert(pos >= this.start && pos <= this.nextPos(), `truncate of ${this.name} to ${pos}`);
    this.fs.truncate(this.fd, pos - this.start);
    this.size = pos - this.start;
  }

  fsync(): void {
    this.fs.fsync(this.fd);
  }

  fsyncAsync(): Promise<void> {
    return this.fs.fsyncAsync ? this.fs.fsyncAsync(this.fd) : Promise.resolve(this.fs.fsync(this.fd));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.fs.close(this.fd);
  }
}
