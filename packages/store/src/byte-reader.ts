// Bounds-checked little-endian reader. Every read validates against the end of the input and
// throws MalformedError, so hostile or torn bytes never crash the process or read garbage.

import { MalformedError } from './errors.ts';

const twoTo32 = 2 ** 32;
const highMaxForSafe = 2 ** 21;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export class ByteReader {
  private at: number;
  private readonly end: number;
  private readonly buf: Buffer;

  constructor(data: Uint8Array, private readonly what: string, start = 0, end = data.length) {
    this.buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (start < 0 || end > data.length || start > end) throw new MalformedError(what, `bad range [${start}, ${end}) of ${data.length} bytes`);
    this.at = start;
    this.end = end;
  }

  get offset(): number {
    return this.at;
  }

  get remaining(): number {
    return this.end - this.at;
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
    const n = this.u16();
    if (n > bytesMax) this.fail(`${what} has ${n} bytes, more than ${bytesMax}`);
    const b = this.bytes(n, what);
    try {
      return utf8.decode(b);
    } catch (err) {
      throw new MalformedError(this.what, `${what} is not valid UTF-8`, { cause: err });
    }
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
