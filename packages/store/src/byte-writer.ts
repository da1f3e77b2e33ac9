// Little-endian writer into a growable buffer. Callers validate limits before writing;
// the writer only asserts that what it is given fits the field (messages built only on
// failure: every field of every sent message passes here).

import { assert } from './assert.ts';

const twoTo32 = 2 ** 32;
/** finish() hands out the buffer itself when at most 1 / this of it is unused. */
const finishSlackMaxDivisor = 4;

export class ByteWriter {
  private buf: Buffer;
  private at = 0;

  constructor(capacityBytes = 256) {
    this.buf = Buffer.allocUnsafe(capacityBytes);
  }

  get length(): number {
    return this.at;
  }

  u8(n: number): void {
    if (!(Number.isInteger(n) && n >= 0 && n <= 0xff)) assert(false, `u8 out of range: ${n}`);
    this.reserve(1);
    this.buf[this.at++] = n;
  }

  u16(n: number): void {
    if (!(Number.isInteger(n) && n >= 0 && n <= 0xffff)) assert(false, `u16 out of range: ${n}`);
    this.reserve(2);
    this.at = this.buf.writeUInt16LE(n, this.at);
  }

  u32(n: number): void {
    if (!(Number.isInteger(n) && n >= 0 && n < twoTo32)) assert(false, `u32 out of range: ${n}`);
    this.reserve(4);
    this.at = this.buf.writeUInt32LE(n, this.at);
  }

  /** u64 restricted to safe integers, written as low and high u32 (no BigInt on the hot path). */
  u64(n: number): void {
    if (!(Number.isSafeInteger(n) && n >= 0)) assert(false, `u64 out of range: ${n}`);
    this.reserve(8);
    this.at = this.buf.writeUInt32LE(n % twoTo32, this.at);
    this.at = this.buf.writeUInt32LE(Math.floor(n / twoTo32), this.at);
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.at);
    this.at += b.length;
  }

  /** u16 byte length + UTF-8. */
  str(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.u16(n);
    this.reserve(n);
    this.at += this.buf.write(s, this.at, 'utf8');
  }

  /** Overwrites a u32 written earlier (length prefixes known only afterwards). */
  patchU32(at: number, n: number): void {
    if (at + 4 > this.at) assert(false, `patch at ${at} beyond written ${this.at}`);
    this.buf.writeUInt32LE(n, at);
  }

  /** A view of the written bytes (valid until the next write). */
  view(): Buffer {
    return this.buf.subarray(0, this.at);
  }

  /**
   * The written bytes; the writer is done with after this. When the buffer is at most a
   * quarter unused (a caller that sized it well) they are handed out as they are, without a
   * copy: a log entry's bytes are copied enough on their way (log file, peers, store).
   * Otherwise an exact-size copy, so a small result does not pin a big buffer.
   */
  finish(): Uint8Array {
    const unused = this.buf.length - this.at;
    if (unused <= this.buf.length / finishSlackMaxDivisor) return this.buf.subarray(0, this.at);
    return Buffer.from(this.buf.subarray(0, this.at));
  }

  private reserve(n: number): void {
    if (this.at + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.at + n) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }
}
