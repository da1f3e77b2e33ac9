// Reassembles a batch that the sender split into several Frames (a message larger than one
// frame, typically a snapshot). The total is bounded: a peer cannot make us buffer without limit.

import { MalformedFrameError } from './errors.ts';

export class Reassembler {
  private parts: Buffer[] = [];
  private bytes = 0;

  constructor(readonly bytesMax: number) {}

  /**
   * Feeds one frame. Returns the complete batch when `more` is false, otherwise null.
   * Throws MalformedFrameError when the batch would exceed the bound.
   */
  push(data: Buffer, more: boolean): Buffer | null {
    if (this.bytes + data.length > this.bytesMax) {
      const total = this.bytes + data.length;
      this.reset();
      throw new MalformedFrameError(`chunked batch of at least ${total} bytes over limit ${this.bytesMax}`);
    }
    if (!more && this.parts.length === 0) return data;
    if (more && data.length === 0) {
      this.reset();
      throw new MalformedFrameError('empty intermediate chunk');
    }
    this.parts.push(data);
    this.bytes += data.length;
    if (more) return null;
    const whole = Buffer.concat(this.parts, this.bytes);
    this.reset();
    return whole;
  }

  get pendingBytes(): number {
    return this.bytes;
  }

  reset(): void {
    this.parts = [];
    this.bytes = 0;
  }
}

/** Splits an encoded batch into views of at most `chunkBytes` (no copies). */
export function splitChunks(buf: Buffer, chunkBytes: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < buf.length; offset += chunkBytes) {
    chunks.push(buf.subarray(offset, Math.min(buf.length, offset + chunkBytes)));
  }
  return chunks;
}
