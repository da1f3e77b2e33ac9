// Bounds-checked little-endian reader. Every read validates against the end of the input and
// throws MalformedError, so hostile or torn bytes never crash the process or read garbage.

import { isAscii, isUtf8 } from 'node:buffer';
import { MalformedError } from './errors.ts';
import type { StringMemo } from './string-memo.ts';

const twoTo32 = 2 ** 32;
const highMaxForSafe = 2 ** 21;
const utf8 = new TextDecoder('utf-8', { fatal: true });
/** Below this length a byte loop beats a view plus a native call. */
const asciiLoopBytesMax = 48;

function asciiAt(buf: Buffer, start: number, n: number): boolean {
  if (n > asciiLoopBytesMax) return isAscii(buf.subarray(start, start + n));
  for (let k = start; k < start + n; k++) if (buf[k] > 0x7f) return false;
  return true;
}

/** `data` as a Buffer: itself when it is one (no new view object), else a view of its bytes. */
function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

export class ByteReader {
  private at: number;
  private end: number;
  private buf: Buffer;

  constructor(data: Uint8Array, private readonly what: string, start = 0, end = data.length) {
    this.buf = asBuffer(data);
    if (start < 0 || end > data.length || start > end) throw new MalformedError(what, `bad range [${start}, ${end}) of ${data.length} bytes`);
    this.at = start;
    this.end = end;
  }

  /**
   * Moves the reader to the whole of another input. A reader that decodes entry after entry
   * (the queue read path) so costs no object per entry.
   */
  retarget(data: Uint8Array): void {
    if (data !== this.buf) this.buf = asBuffer(data);
    this.at = 0;
    this.end = data.length;
  }

  get offset(): number {
    return this.at;
  }

  get remaining(): number {
    return this.end - this.at;
  }

  /** The current end (see `narrow`). */
  get limit(): number {
    return this.end;
  }

  /**
   * Moves the reader to [start, end) of the same input, which must lie within it. One reader
   * can so walk every record of a batch (and its nested properties) without a new object each.
   */
  reset(start: number, end: number): void {
    if (start < 0 || end > this.buf.length || start > end) this.fail(`bad range [${start}, ${end}) of ${this.buf.length} bytes`);
    this.at = start;
    this.end = end;
  }

  fail(detail: string): never {
    throw new MalformedError(this.what, `${detail} (at byte ${this.at})`);
  }

  u8(): number {
    this.need(1, 'u8');
    return this.buf[this.at++];
  }

  u16(): number {
    this.need(2, 'u16');
    const n = this.buf.readUInt16LE(this.at);
    this.at += 2;
    return n;
  }

  u32(): number {
    this.need(4, 'u32');
    const n = this.buf.readUInt32LE(this.at);
    this.at += 4;
    return n;
  }

  u64(): number {
    this.need(8, 'u64');
    const lo = this.buf.readUInt32LE(this.at);
    const hi = this.buf.readUInt32LE(this.at + 4);
    if (hi >= highMaxForSafe) this.fail(`u64 beyond the safe integer range`);
    this.at += 8;
    return hi * twoTo32 + lo;
  }

  /** A zero-copy view of the next n bytes. */
  bytes(n: number, what: string): Buffer {
    this.need(n, what);
    const b = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return b;
  }

  str(bytesMax: number, what: string): string {
    const start = this.strStart(bytesMax, what);
    return this.decode(start, this.at - start, what);
  }

  /** str(), answered from `memo` when it holds these bytes (names that repeat message after message). */
  memoStr(bytesMax: number, what: string, memo: StringMemo): string {
    const start = this.strStart(bytesMax, what);
    const n = this.at - start;
    const known = memo.find(this.buf, start, n);
    if (known !== null) return known;
    const s = this.decode(start, n, what);
    memo.remember(this.buf, start, n, s);
    return s;
  }

  private decode(start: number, n: number, what: string): string {
    // Most names, tags, keys and ids are ASCII: a latin1 slice of ASCII bytes is the same
    // string and much cheaper than a fatal UTF-8 decode.
    if (asciiAt(this.buf, start, n)) return this.buf.toString('latin1', start, start + n);
    try {
      return utf8.decode(this.buf.subarray(start, start + n));
    } catch (err) {
      throw new MalformedError(this.what, `${what} is not valid UTF-8`, { cause: err });
    }
  }

  /** Like str() without building the string: the bounds and the UTF-8 are still checked. */
  skipStr(bytesMax: number, what: string): void {
    const start = this.strStart(bytesMax, what);
    const n = this.at - start;
    if (!asciiAt(this.buf, start, n) && !isUtf8(this.buf.subarray(start, start + n))) this.fail(`${what} is not valid UTF-8`);
  }

  /** Reads a string's u16 length, checks it, moves past the bytes; returns where they start. */
  private strStart(bytesMax: number, what: string): number {
    const n = this.u16();
    if (n > bytesMax) this.fail(`${what} has ${n} bytes, more than ${bytesMax}`);
    this.need(n, what);
    const start = this.at;
    this.at += n;
    return start;
  }

  /** A u32 in [min, max]. */
  bounded(min: number, max: number, what: string): number {
    const n = this.u32();
    if (n < min || n > max) this.fail(`${what} ${n} outside [${min}, ${max}]`);
    return n;
  }

  expectEnd(): void {
    if (this.at !== this.end) this.fail(`${this.end - this.at} trailing bytes`);
  }

  private need(n: number, what: string): void {
    if (this.end - this.at < n) this.fail(`${what} needs ${n} bytes, ${this.end - this.at} left`);
  }
}
