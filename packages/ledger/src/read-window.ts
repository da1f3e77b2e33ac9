// Read-ahead for one-entry reads that miss the entry cache (a consumer reading a queue whose
// records are a few entries apart): one read fills a window of the segment from the entry on,
// and the entries after it are decoded from the window until a read falls outside it. Each
// refill gets a new buffer, because the entries handed out are views into it. Only small
// entries use it (readAheadEntryBytesMax); a large one is read alone, leaving the window as is.
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
import { findSegment } from './segment-reader.ts';
import type { SegmentFile } from './segment-file.ts';

export class ReadWindow {
  private buf: Buffer | null = null;
  private start = 0;
  private length = 0;

  /** Entry `i` (held in `index`), checked; from the window or after one refill. */
  read(segments: readonly SegmentFile[], index: EntryIndex, i: number): Entry {
    const pos = index.posOf(i);
    const size = index.sizeOf(i);
    const inWindow = this.buf !== null && pos >= this.start && pos + size <= this.start + this.length;
    let buf: Buffer;
    let at: number;
    if (inWindow || size <= readAheadEntryBytesMax) {
      if (!inWindow) this.fill(segments, pos, Math.max(readWindowBytes, size));
      buf = this.buf!;
      at = pos - this.start;
    } else {
      buf = readAt(segments, pos, size);
      at = 0;
    }
    const e = decodeEntry(buf, at);
    if (e === null || e.index !== i || e.term !== index.termOf(i) || e.data.length + headerBytes !== size) {
      throw new CorruptEntryError(`entry ${i} at position ${pos} fails its checks`);
    }
    return e;
  }

  clear(): void {
    this.buf = null;
    this.length = 0;
  }

  private fill(segments: readonly SegmentFile[], pos: number, bytes: number): void {
    this.buf = readAt(segments, pos, bytes);
    this.start = pos;
    this.length = this.buf.length;
  }
}

/** Up to `bytes` of the segment holding `pos`, from `pos` (what the file holds, at least one entry's worth). */
function readAt(segments: readonly SegmentFile[], pos: number, bytes: number): Buffer {
  const si = findSegment(segments, pos);
  if (si === segments.length) throw new CorruptEntryError(`no segment holds position ${pos}`);
  const seg = segments[si];
  const len = Math.min(bytes, seg.nextPos() - pos);
  if (len < headerBytes) throw new CorruptEntryError(`segment ${seg.name} ends before the entry at ${pos}`);
  const buf = Buffer.allocUnsafe(len);
  const got = seg.read(pos, buf, 0, len);
  assert(got === len, `short read of segment ${seg.name} at ${pos}: ${got} of ${len} bytes`);
  return buf;
}
