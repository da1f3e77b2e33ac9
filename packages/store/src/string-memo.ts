// The strings last decoded for one field (a topic, a store host, a tag), by their bytes: the
// apply and read paths decode the same few names for message after message, and comparing a
// few short byte runs is cheaper than building a string each time. Bounded: a few slots of
// short strings, replaced round-robin, so a flood of distinct values only costs the compare.

import { assert } from './assert.ts';

export class StringMemo {
  private readonly bytes: Buffer[] = [];
  private readonly strings: string[] = [];
  private next = 0;

  constructor(
    private readonly slots: number,
    private readonly bytesMax: number,
  ) {
    assert(Number.isInteger(slots) && slots >= 1, `memo slots ${slots}`);
  }

  /** The string remembered for buf[start, start + n), or null. */
  find(buf: Buffer, start: number, n: number): string | null {
    if (n > this.bytesMax) return null;
    for (let i = 0; i < this.bytes.length; i++) {
      const b = this.bytes[i];
      if (b.length !== n) continue;
      let k = 0;
      while (k < n && b[k] === buf[start + k]) k++;
      if (k === n) return this.strings[i];
    }
    return null;
  }

  /** Remembers `s` as the decoding of buf[start, start + n) (copies the bytes). */
  remember(buf: Buffer, start: number, n: number, s: string): void {
    if (n > this.bytesMax) return;
    const copy = Buffer.allocUnsafe(n);
    buf.copy(copy, 0, start, start + n);
    this.bytes[this.next] = copy;
    this.strings[this.next] = s;
    this.next = (this.next + 1) % this.slots;
  }
}
