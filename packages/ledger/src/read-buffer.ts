// One reusable buffer for reads whose entries are copied out of it (segment-reader.ts,
// read-window.ts). Reading into a fresh multi-megabyte buffer each time costs a page fault per
// 4 KiB page (measured here: about 8 ms to read 4 MiB into a fresh buffer, 0.2 ms into a reused
// one), and a start-up that reads the whole log (Raft's scan for membership changes) paid that
// for every byte. Copying an entry out of a reused buffer costs one small allocation and a
// memcpy of the entry alone.

import { assert } from './assert.ts';

export class ReadBuffer {
  private readonly buf: Buffer;

  constructor(bytes: number) {
    assert(Number.isSafeInteger(bytes) && bytes > 0, `read buffer of ${bytes} bytes`);
    this.buf = Buffer.allocUnsafe(bytes);
  }

  get bytes(): number {
    return this.buf.length;
  }

  /**
   * A buffer of at least `n` bytes, valid until the next call: the shared one, or a one-off for
   * a larger read (not kept: one rare 16 MiB entry must not pin 16 MiB for good).
   */
  get(n: number): Buffer {
    return n <= this.buf.length ? this.buf : Buffer.allocUnsafe(n);
  }
}
