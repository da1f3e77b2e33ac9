// Reads a run of consecutive entries from the segments: reads of at most readRunBytesMax (or
// one entry) into a reused buffer, every entry checked against its CRCs and against the
// in-memory index, then copied out (read-buffer.ts says why; copy-slab.ts where to).

import type { Entry } from '@ledgermq/raft';
import { readRunBytesMax } from './constants.ts';
import type { CopySlab } from './copy-slab.ts';
import { decodeIndexedEntry } from './entry-codec.ts';
import type { EntryIndex } from './entry-index.ts';
import { CorruptEntryError } from './errors.ts';
import type { ReadBuffer } from './read-buffer.ts';
import type { SegmentFile } from './segment-file.ts';

/** Entries [lo, hi) (all held in `index`), appended to `out`; `scratch` holds each read, `copies` what is copied out of it. */
export function readRun(segments: readonly SegmentFile[], index: EntryIndex, lo: number, hi: number, out: Entry[], scratch: ReadBuffer, copies: CopySlab): void {
  let i = lo;
  let si = findSegment(segments, index.posOf(lo));
  // Bounded: each round consumes at least one entry.
  while (i < hi) {
    // Bounded by the number of segments.
    while (si < segments.length && !segments[si].contains(index.posOf(i))) si++;
    if (si === segments.length) throw new CorruptEntryError(`no segment holds entry ${i}`);
    const seg = segments[si];
    const start = index.posOf(i);
    let j = i + 1;
    // Bounded by hi: entries of this segment while the read stays within readRunBytesMax.
    while (j < hi && index.posOf(j) < seg.end && index.posOf(j) + index.sizeOf(j) - start <= readRunBytesMax) j++;
    const len = index.posOf(j - 1) + index.sizeOf(j - 1) - start;
    const buf = scratch.get(len);
    if (seg.read(start, buf, 0, len) !== len) throw new CorruptEntryError(`segment ${seg.name} is shorter than entry ${j - 1} needs`);
    for (let k = i; k < j; k++) {
      const pos = index.posOf(k);
      const e = decodeIndexedEntry(buf, pos - start, len, k, index.termOf(k)!, pos, index.sizeOf(k), copies);
      if (e === null) {
        throw new CorruptEntryError(`entry ${k} in segment ${seg.name} fails its checks`);
      }
      out.push(e);
    }
    i = j;
  }
}

/** Index in `segments` of the segment holding `pos`, or segments.length. */
export function findSegment(segments: readonly SegmentFile[], pos: number): number {
  let lo = 0;
  let hi = segments.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (segments[mid].start <= pos) lo = mid + 1;
    else hi = mid;
  }
  const si = lo - 1;
  return si >= 0 && segments[si].contains(pos) ? si : segments.length;
}
