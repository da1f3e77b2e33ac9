// Reads a run of consecutive entries from the segments: one read per segment touched,
// every entry checked against its CRCs and against the in-memory index.

import type { Entry } from '@ledgermq/raft';
import { decodeEntry } from './entry-codec.ts';
import type { EntryIndex } from './entry-index.ts';
import { CorruptEntryError } from './errors.ts';
import type { SegmentFile } from './segment-file.ts';

/** Entries [lo, hi) (all held in `index`), appended to `out`. */
export function readRun(segments: readonly SegmentFile[], index: EntryIndex, lo: number, hi: number, out: Entry[]): void {
  let i = lo;
  let si = findSegment(segments, index.posOf(lo));
  // Bounded: each round consumes at least one entry.
  while (i < hi) {
    // Bounded by the number of segments.
    while (si < segments.length && !segments[si].contains(index.posOf(i))) si++;
    if (si === segments.length) throw new CorruptEntryError(`no segment holds entry ${i}`);
    const seg = segments[si];
    let j = i + 1;
    while (j < hi && index.posOf(j) < seg.end) j++;
    const start = index.posOf(i);
    const len = index.posOf(j - 1) + index.sizeOf(j - 1) - start;
    const buf = Buffer.allocUnsafe(len);
    if (seg.read(start, buf, 0, len) !== len) throw new CorruptEntryError(`segment ${seg.name} is shorter than entry ${j - 1} needs`);
    for (let k = i; k < j; k++) {
      const e = decodeEntry(buf, index.posOf(k) - start);
      if (!e || e.index !== k || e.term !== index.termOf(k)) throw new CorruptEntryError(`entry ${k} in segment ${seg.name} fails its checks`);
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
