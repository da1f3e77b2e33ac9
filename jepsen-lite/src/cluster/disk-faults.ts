// Bit rot on a stopped node's disk (corrupt-minority): flip one bit in each of a few bytes in
// the first quarter of the node's oldest segment. That region was written seconds before the
// fault on a log that fsyncs every few milliseconds, so it is committed and fsynced: damage
// there must make the node refuse to vote or lead (its start-up check reads every segment).

import { closeSync, existsSync, fsyncSync, openSync, readdirSync, readSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { corruptBytesCount, corruptSegmentBytesMin } from './constants.ts';

export interface FlippedBits {
  readonly segment: string;
  /** Byte offsets in the segment file, with the bit flipped in each. */
  readonly flips: ReadonlyArray<{ readonly offset: number; readonly bit: number }>;
}

/** Null (nothing changed) when there is no segment (directory) or the oldest one is under corruptSegmentBytesMin. */
export function flipBitsInOldestSegment(segDir: string, random: () => number): FlippedBits | null {
  if (!existsSync(segDir)) return null; // a node restarted after a repair may not have opened its log yet
  const names = readdirSync(segDir).filter((n) => /^\d{20}$/.test(n)).sort();
  if (names.length === 0) return null;
  const segment = names[0]!;
  const file = path.join(segDir, segment);
  const size = statSync(file).size;
  if (size < corruptSegmentBytesMin) return null;
  const region = Math.floor(size / 4);
  const offsets = new Set<number>();
  // Bounded: at most 8 draws per byte wanted (distinct offsets in a region of >= 4 KiB).
  for (let i = 0; i < corruptBytesCount * 8 && offsets.size < corruptBytesCount; i++) offsets.add(Math.floor(random() * region));
  const flips = [...offsets].sort((a, b) => a - b).map((offset) => ({ offset, bit: Math.floor(random() * 8) }));
  const fd = openSync(file, 'r+');
  try {
    const b = Buffer.alloc(1);
    for (const f of flips) {
      readSync(fd, b, 0, 1, f.offset);
      b[0] = b[0]! ^ (1 << f.bit);
      writeSync(fd, b, 0, 1, f.offset);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return { segment, flips };
}
