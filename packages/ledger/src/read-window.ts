// Read-ahead for one-entry reads that miss the entry cache (a consumer reading a queue whose
// records are a few entries apart): one read fills a window of the segment from the entry on,
// and the entries after it are decoded from the window until a read falls outside it. The
// window is one reused buffer (read-buffer.ts): each entry handed out is checked and copied out
// of it. Only small entries read ahead (readAheadEntryBytesMax); a large one is read alone, into
// the same buffer.
//
// The window may hold bytes past the last entry the index holds (or not yet fsynced): only
// positions the index names are decoded, each checked against its CRCs and the index. The
// ledger drops the window whenever positions can be rewritten (truncation, snapshot install,
// retention).

import type { Entry } from '@ledgermq/raft';
import { assert } from './assert.ts';
import { headerBytes, readAheadEntryBytesMax, readWindowBytes } from './constants.ts';
import { decodeEntry } from './entry-codec.ts';
import type { EntryIndex } from './entry-index.ts';
import { CorruptEntryError } from './errors.ts';
import { ReadBuffer } from './read-buffer.ts';
import { findSegment } from './segment-reader.ts';
import type { SegmentFile } from './segment-file.ts';

export class ReadWindow {
  private readonly space = new ReadBuffer(readWindowBytes);
  private buf: Buffer | null = null;
  private start = 0;
  private length = 0;

  /** Entry `i` (held in `index`), checked, its data copied out; from the window or after one read. */
  read(segments: readonly SegmentFile[], index: EntryIndex, i: number): Entry {
    const pos = index.posOf(i);
    const size = index.sizeOf(i);
    const inWindow = this.buf !== null && pos >= this.start && pos + size <= this.start + this.length;
    if (!inWindow) this.fill(segments, pos, size <= readAheadEntryBytesMax ? Math.max(readWindowBytes, size) : size, size);
    const buf = this.buf!;
    const e = decodeEntry(buf, pos - this.start, this.length, true);
    if (e === null || e.index !== i || e.term !== index.termOf(i) || e.data.length + headerBytes !== size) {
      throw new CorruptEntryError(`entry ${i} at position ${pos} fails its checks`);
    }
    return e;
  }

  clear(): void {
    this.buf = null;
    this.length = 0;
  }

  /** Up to `bytes` of the segment holding `pos`, from `pos` (what the file holds, at least `need`). */
  private fill(segments: readonly SegmentFile[], pos: number, bytes: number, need: number): void {
    const si = findSegment(segments, pos);
    if (si === segments.length) throw new CorruptEntryError(`no segment holds position ${pos}`);
    const seg = segments[si];
    const len = Math.min(bytes, seg.nextPos() - pos);
    if (len < need) throw new CorruptEntryError(`segment ${seg.name} ends before the entry at ${pos} does`);
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
