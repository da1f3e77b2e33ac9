// Walks the records of one segment, checking every header and body CRC, and says how the
// walk ended. Used by recovery and verifyAll. Reads through a window so a 1 GiB segment
// costs a few hundred reads, not one per entry.

import type { EntryType } from '@ledgermq/raft';
import { headerBytes, scanWindowBytes } from './constants.ts';
import { bodyValid, decodeEntry, decodeHeader, isPad, typeOf } from './entry-codec.ts';
import type { SegmentFile } from './segment-file.ts';

export type ScanStop =
  /** The data ends cleanly at `pos` (the segment is still open for appends). */
  | { readonly kind: 'end'; readonly pos: number }
  /** The segment is full (padding or exact fit): the log continues in the next segment. */
  | { readonly kind: 'sealed' }
  /** A record at `pos` is missing, torn or damaged. `bodyOnly`: header intact, body CRC wrong. */
  | { readonly kind: 'bad'; readonly pos: number; readonly reason: string; readonly bodyOnly: boolean; readonly size: number };

export type ScanVisit = (index: number, term: number, type: EntryType, pos: number, size: number) => void;

class Window {
  buf = Buffer.allocUnsafe(scanWindowBytes);
  start = 0;
  length = 0;
  constructor(private readonly seg: SegmentFile) {}

  /** Makes [pos, pos+len) available; returns its offset in buf, or -1 past the end of the file. */
  ensure(pos: number, len: number): number {
    if (pos >= this.start && pos + len <= this.start + this.length) return pos - this.start;
    const fileEnd = this.seg.nextPos();
    if (pos + len > fileEnd) return -1;
    if (len > this.buf.length) this.buf = Buffer.allocUnsafe(len);
    this.start = pos;
    this.length = this.seg.read(pos, this.buf, 0, Math.min(this.buf.length, fileEnd - pos));
    return this.length >= len ? 0 : -1;
  }
}

export function scanSegment(seg: SegmentFile, fromPos: number, firstIndex: number, visit: ScanVisit): { stop: ScanStop; nextIndex: number } {
  const w = new Window(seg);
  const fileEnd = seg.nextPos();
  let pos = fromPos;
  let index = firstIndex;
  const bad = (reason: string, bodyOnly = false, size = 0) => ({ stop: { kind: 'bad', pos, reason, bodyOnly, size } as const, nextIndex: index });
  // Bounded: every round advances pos by at least headerBytes or returns.
  for (;;) {
    if (pos === fileEnd) return { stop: pos === seg.end ? { kind: 'sealed' } : { kind: 'end', pos }, nextIndex: index };
    if (seg.end - pos < headerBytes) {
      // Too little room for a header: the writer zero-filled the rest of the segment.
      const o = w.ensure(pos, fileEnd - pos);
      if (fileEnd !== seg.end || o < 0 || w.buf.subarray(o, o + fileEnd - pos).some((b) => b !== 0)) return bad('incomplete segment tail');
      return { stop: { kind: 'sealed' }, nextIndex: index };
    }
    const o = w.ensure(pos, headerBytes);
    if (o < 0) return bad('partial header');
    const h = decodeHeader(w.buf, o);
    if (!h) return bad('header checksum or magic mismatch');
    if (h.pos !== pos) return bad(`header names position ${h.pos}`);
    if (isPad(h)) {
      if (pos + h.size !== seg.end) return bad(`padding of ${h.size} bytes does not end the segment`);
      if (fileEnd !== seg.end) return bad('partial padding');
      return { stop: { kind: 'sealed' }, nextIndex: index };
    }
    if (h.index !== index) return bad(`header names index ${h.index}, expected ${index}`);
    if (pos + h.size > seg.end) return bad(`entry of ${h.size} bytes overruns the segment`);
    const ob = w.ensure(pos, h.size);
    if (ob < 0) return bad('partial body');
    if (!bodyValid(h, w.buf.subarray(ob + headerBytes, ob + h.size))) return bad('body checksum mismatch', true, h.size);
    visit(h.index, h.term, typeOf(h), pos, h.size);
    pos += h.size;
    index += 1;
  }
}

/** True when a complete, valid entry with this index sits at `pos`. */
export function validEntryAt(seg: SegmentFile, pos: number, index: number): boolean {
  if (!seg.contains(pos) || pos + headerBytes > seg.nextPos()) return false;
  const head = Buffer.allocUnsafe(headerBytes);
  if (seg.read(pos, head, 0, headerBytes) !== headerBytes) return false;
  const h = decodeHeader(head, 0);
  if (!h || isPad(h) || h.index !== index || h.pos !== pos || pos + h.size > seg.nextPos()) return false;
  const whole = Buffer.allocUnsafe(h.size);
  if (seg.read(pos, whole, 0, h.size) !== h.size) return false;
  return decodeEntry(whole, 0) !== null;
}

/** Index in the header of the first record of a segment, or null if that is not a valid entry. */
export function firstEntryIndexOf(seg: SegmentFile): number | null {
  if (seg.size < headerBytes) return null;
  const head = Buffer.allocUnsafe(headerBytes);
  seg.read(seg.start, head, 0, headerBytes);
  const h = decodeHeader(head, 0);
  return h && !isPad(h) && h.pos === seg.start ? h.index : null;
}
