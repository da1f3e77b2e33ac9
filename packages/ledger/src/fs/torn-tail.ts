// A torn last write, made on purpose after a power loss (jepsen-lite's `power-loss` with
// tearing): a random-length strict prefix of a plausible next record (valid header for the
// next index and the last term, then a body) is appended to the newest segment of a closed
// log. Recovery must cut it, since no prefix of a record is a whole record. Test tooling: it
// writes the file of a log no process has open.

import type { Entry } from '@ledgermq/raft';
import { assert } from '../assert.ts';
import { headerBytes } from '../constants.ts';
import { encodeEntry } from '../entry-codec.ts';
import { firstEntryIndexOf, scanSegment } from '../segment-scanner.ts';
import { parseSegmentName, SegmentFile } from '../segment-file.ts';
import type { FileSystem } from './file-system.ts';

/** Body size range of the plausible record. */
export const tornBodyBytesMin = 16;
export const tornBodyBytesMax = 4096;

export interface TornTail {
  readonly segment: string;
  /** Position where the torn record starts (the log's end before tearing). */
  readonly pos: number;
  /** Bytes of the record that were written, of `recordBytes`. */
  readonly keptBytes: number;
  readonly recordBytes: number;
  /** Index the record claims. */
  readonly index: number;
}

export interface TearOptions {
  /** The log's directory (holds `segments/`). */
  readonly dir: string;
  readonly segmentBytes: number;
  /** In [0, 1): the body length, its bytes and how much of the record is kept. */
  readonly random: () => number;
}

/**
 * Appends the torn record and fsyncs it. Returns null (nothing written) when there is nothing
 * to tear: no segment, no entry to continue from, or no room left in the newest segment.
 */
export function tearLogTail(fs: FileSystem, o: TearOptions): TornTail | null {
  const segDir = `${o.dir}/segments`;
  if (!fs.exists(segDir)) return null;
  const starts = fs.readdir(segDir).map(parseSegmentName).filter((s): s is number => s !== null).sort((a, b) => a - b);
  if (starts.length === 0) return null;
  const newest = SegmentFile.open(fs, segDir, starts[starts.length - 1]!, o.segmentBytes);
  try {
    const last = lastEntryOf(fs, segDir, starts, o.segmentBytes, newest);
    if (last === null) return null;
    const pos = newest.nextPos();
    const bodyBytes = tornBodyBytesMin + Math.floor(o.random() * (tornBodyBytesMax - tornBodyBytesMin));
    const recordBytes = headerBytes + bodyBytes;
    if (pos + recordBytes > newest.end) return null;
    const data = new Uint8Array(bodyBytes);
    for (let i = 0; i < bodyBytes; i++) data[i] = Math.floor(o.random() * 256);
    const entry: Entry = { index: last.index + 1, term: last.term, type: 0, data };
    const buf = Buffer.alloc(recordBytes);
    encodeEntry(buf, 0, entry, pos);
    // A strict prefix, at least one byte: a whole record would be a valid (if unacknowledged) entry.
    const keptBytes = 1 + Math.floor(o.random() * (recordBytes - 1));
    assert(keptBytes >= 1 && keptBytes < recordBytes, `kept ${keptBytes} of ${recordBytes}`);
    newest.append(buf, 0, keptBytes);
    newest.fsync();
    return { segment: newest.name, pos, keptBytes, recordBytes, index: entry.index };
  } finally {
    newest.close();
  }
}

/** The last valid entry of the log's newest non-empty segment, or null when there is none. */
function lastEntryOf(fs: FileSystem, segDir: string, starts: readonly number[], segmentBytes: number, newest: SegmentFile): { index: number; term: number } | null {
  // Newest first; at most two segments matter (a fresh empty segment follows a sealed one).
  for (let k = starts.length - 1; k >= Math.max(0, starts.length - 2); k--) {
    const seg = k === starts.length - 1 ? newest : SegmentFile.open(fs, segDir, starts[k]!, segmentBytes);
    try {
      const first = firstEntryIndexOf(seg);
      if (first === null) continue;
      let last: { index: number; term: number } | null = null;
      const { stop } = scanSegment(seg, seg.start, first, (index, term) => (last = { index, term }));
      // Only a clean end continues the log; damage is not ours to extend.
      if (stop.kind === 'bad') return null;
      if (k !== starts.length - 1 && newest.size > 0) return null;
      return last;
    } finally {
      if (seg !== newest) seg.close();
    }
  }
  return null;
}
