// Where entries read through a reused buffer (read-window.ts, segment-reader.ts) are copied out
// to: consecutive pieces of one larger buffer, a fresh one when it is full. Node's own pool does
// the same with 8 KiB buffers, and creating a buffer cost more here than copying a 1 KiB entry
// into it (each new buffer is an allocation V8 accounts for, and GC pressure): one per
// copySlabBytes instead of one per 8 KiB took ~5% off a queue read of 1 KiB messages.
//
// A piece keeps its whole slab alive (as a pool slice keeps its pool): at most copySlabBytes per
// entry still referenced. Only entries up to copySlabPieceBytesMax share a slab; a larger one
// gets a buffer of its own, so a slab holds at least copySlabBytes / copySlabPieceBytesMax.

import { copySlabBytes, copySlabPieceBytesMax } from './constants.ts';

/** Pieces start at multiples of this (as Node's pool aligns its slices). */
const pieceAlignBytes = 8;

export class CopySlab {
  private slab = Buffer.allocUnsafe(copySlabBytes);
  private used = 0;

  /** A copy of `bytes` in a buffer of its own or a piece of the current slab. */
  copy(bytes: Uint8Array): Buffer {
    const n = bytes.length;
    if (n > copySlabPieceBytesMax) {
      const own = Buffer.allocUnsafe(n);
      own.set(bytes);
      return own;
    }
    if (this.used + n > this.slab.length) {
      this.slab = Buffer.allocUnsafe(copySlabBytes);
      this.used = 0;
    }
    const piece = this.slab.subarray(this.used, this.used + n);
    piece.set(bytes);
    this.used += (n + pieceAlignBytes - 1) & ~(pieceAlignBytes - 1);
    return piece;
  }
}
