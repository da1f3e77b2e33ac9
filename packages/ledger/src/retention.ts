// Which oldest segments may go: only whole segments entirely covered by the saved snapshot,
// never the active (last) one, and only while they are too old or the log is too big.

import type { SegmentFile } from './segment-file.ts';

export interface RetentionOptions {
  readonly nowMs: number;
  readonly maxAgeMs?: number;
  readonly bytesMax?: number;
}

/** How many leading segments to delete. `mtimeMs` is the segment's last write (≈ when it was sealed). */
export function retainableSegments(
  segments: readonly SegmentFile[],
  snapshotEndPos: number,
  opts: RetentionOptions,
  mtimeMs: (s: SegmentFile) => number,
): number {
  let total = 0;
  for (const s of segments) total += s.size;
  let n = 0;
  // Bounded by the number of segments.
  while (n < segments.length - 1) {
    const seg = segments[n];
    // Every entry of seg lies before the next segment's start.
    if (segments[n + 1].start > snapshotEndPos) break;
    const old = opts.maxAgeMs !== undefined && opts.nowMs - mtimeMs(seg) >= opts.maxAgeMs;
    const over = opts.bytesMax !== undefined && total > opts.bytesMax;
    if (!old && !over) break;
    total -= seg.size;
    n += 1;
  }
  return n;
}
