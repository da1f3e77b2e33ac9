// Read-ahead for one-entry reads that miss the entry cache (a consumer reading a queue whose
// records are a few entries apart): one read fills a window of the segment from the entry on,
// and the entries after it are decoded from the window until a read falls outside it. The
// window is one reused buffer (read-buffer.ts): each entry handed out is checked and copied out
// of it (into a slab shared with the next entries: copy-slab.ts). Only small entries read ahead
// (readAheadEntryBytesMax); a large one the window does not hold is read alone into a buffer of
// its own, which its data is a view of (no second copy; the window stays as it was).
//
// The window may hold bytes past the last entry the index holds (or not yet fsynced): only
// positions the index names are decoded, each checked against its CRCs and the index. The
// ledger drops the window whenever positions can be rewritten (truncation, snapshot install,
// retention).

import type { Entry } from '@ledgermq/raft';
import { assert } from './assert.ts';
import { readAheadEntryBytesMax, readWindowBytes } from './constants.ts';
import { CopySlab } from './copy-slab.ts';
import { decodeIndexedEntry } from './entry-codec.ts';
import type { EntryIndex } from './entry-index.ts';
import { CorruptEntryError } from './errors.ts';
import { ReadBuffer } from './read-buffer.ts';
import { findSegment } from './segment-reader.ts';
import type { SegmentFile } from './segment-file.ts';

export class ReadWindow {
  private readonly space = new ReadBuffer(readWindowBytes);
  private readonly copies = new CopySlab();
  private buf: Buffer | null = null;
  private start = 0;
  private length = 0;

  /** Entry `i` (held in `index`), checked, its data copied out; from the window or after one read. */
  read(segments: readonly SegmentFile[], index: EntryIndex, i: number): Entry {
    const pos = index.posOf(i);
    const size = index.sizeOf(i);
    const term = index.termOf(i)!;
    const inWindow = this.buf !== null && pos >= this.start && pos + size <= this.start + this.length;
    if (!inWindow) {
      if (size > readAheadEntryBytesMax) return readAlone(segments, pos, size, i, term);
      this.fill(segments, pos, readWindowBytes, size);
    }
    const e = decodeIndexedEntry(this.buf!, pos - this.start, this.length, i, term, pos, size, this.copies);
    if (e === null) throw new CorruptEntryError(`entry ${i} at position ${pos} fails its checks`);
    return e;
  }

  clear(): void {
    this.buf = null;
    this.length = 0;
  }

  /** Up to `bytes` of the segment holding `pos`, from `pos` (what the file holds, at least `need`). */
  private fill(segments: readonly SegmentFile[], pos: number, bytes: number, need: number): void {
    const seg = segmentHolding(segments, pos, need);
    const len = Math.min(bytes, seg.nextPos() - pos);
    const buf = this.space.get(len);
    // Dropped first: a failed read must not leave the old window describing new bytes.
    this.clear();
    const got = seg.read(pos, buf, 0, len);
    assert(got === len, `short read of segment ${seg.name} at ${pos}: ${got} of ${len} bytes`);
    this.buf = buf;
    this.start = pos;
    this.length = len;
  }
}

/**
 * A large entry, read alone into a buffer of its own: its data is a view of that buffer (which
 * holds the header too), so the bytes are copied once, by the read, instead of into the window
 * and then out of it. The fresh buffer costs what the copy-out's fresh buffer cost.
 */
function readAlone(segments: readonly SegmentFile[], pos: number, size: number, i: number, term: number): Entry {
  const seg = segmentHolding(segments, pos, size);
  const own = Buffer.allocUnsafe(size);
  const got = seg.read(pos, own, 0, size);
  assert(got === size, `short read of segment ${seg.name} at ${pos}: ${got} of ${size} bytes`);
  const e = decodeIndexedEntry(own, 0, size, i, term, pos, size, null);
  if (e === null) throw new CorruptEntryError(`entry ${i} at position ${pos} fails its checks`);
  return e;
}

/** The segment holding [pos, pos + need) in what its file holds. */
function segmentHolding(segments: readonly SegmentFile[], pos: number, need: number): SegmentFile {
  const si = findSegment(segments, pos);
  if (si === segments.length) throw new CorruptEntryError(`no segment holds position ${pos}`);
  const seg = segments[si];
  if (seg.nextPos() - pos < need) throw new CorruptEntryError(`segment ${seg.name} ends before the entry at ${pos} does`);
  return seg;
}
