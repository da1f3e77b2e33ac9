// Opening a log after a clean stop or a crash. The index file is the checkpoint: its records
// were written only after the entries they name were fsynced, so everything they cover was
// durable (and may have been acknowledged). Recovery re-verifies the last segments (at least
// recoveryScanSegmentsMin, and every segment after the index's last record), or, when a
// verified mark agrees with the index (verified-mark.ts), only the bytes after it; then:
// - a bad record above both the checkpoint and the commit hint, with nothing valid right
//   after it, is a torn tail from a crash: it and everything after it are cut off;
// - a bad record at or below the checkpoint or the commit hint, or followed by a valid
//   entry, means durable data was damaged: the log is marked corrupt and left untouched.

import { assert } from './assert.ts';
import { headerBytes, recoveryScanSegmentsMin } from './constants.ts';
import { EntryIndex } from './entry-index.ts';
import type { FileSystem } from './fs/file-system.ts';
import { IndexFile, loadIndexFile } from './index-file.ts';
import type { LedgerLogger } from './logger.ts';
import { firstEntryIndexOf, scanSegment, validEntryAt } from './segment-scanner.ts';
import type { ScanStop } from './segment-scanner.ts';
import { parseSegmentName, SegmentFile } from './segment-file.ts';
import type { StoredSnapshot } from './snapshot-file.ts';
import { loadVerifiedMark } from './verified-mark.ts';

export interface RecoveryInput {
  readonly fs: FileSystem;
  readonly dir: string;
  readonly segDir: string;
  readonly segmentBytes: number;
  readonly commitHint: number;
  readonly snapshot: StoredSnapshot | null;
  readonly logger: LedgerLogger;
}

export interface RecoveredLog {
  readonly segments: SegmentFile[];
  readonly index: EntryIndex;
  /** Null only when corrupt (the index file is then left as found). */
  readonly indexFile: IndexFile | null;
  readonly nextPos: number;
  readonly corrupt: string | null;
}

export function recoverLog(input: RecoveryInput): RecoveredLog {
  const segments = openSegments(input);
  let index = loadIndexFile(input.fs, input.dir);
  const snap = input.snapshot;
  if (snap?.installed) index = finishInstall(input, segments, index, snap);
  if (index) {
    // Segments retention gave up on but whose unlink did not survive a crash.
    removeWhile(input, segments, (s) => s.start < index!.firstPos, 'segment before the log start (interrupted retention)');
    if (segments.length > 0 && segments[0].start !== index.firstPos) {
      input.logger.warn({ firstPos: index.firstPos, firstSegment: segments[0].start }, 'index file does not match the segments; rebuilding it');
      index = null;
    }
  }
  const first = scanLog(input, segments, index);
  if (first !== 'index-mismatch') return first;
  input.logger.warn({}, 'index file disagrees with valid segment data; rebuilding it from the segments');
  const second = scanLog(input, openSegments(input), null);
  assert(second !== 'index-mismatch', 'rebuild without an index cannot mismatch');
  return second;
}

function openSegments(input: RecoveryInput): SegmentFile[] {
  const out: SegmentFile[] = [];
  for (const name of input.fs.readdir(input.segDir)) {
    const start = parseSegmentName(name);
    if (start === null) continue;
    out.push(SegmentFile.open(input.fs, input.segDir, start, input.segmentBytes));
  }
  return out.sort((a, b) => a.start - b.start);
}

function removeWhile(input: RecoveryInput, segments: SegmentFile[], pred: (s: SegmentFile) => boolean, why: string): void {
  let removed = 0;
  // Bounded by the number of segments.
  while (segments.length > 0 && pred(segments[0])) {
    const s = segments.shift()!;
    s.close();
    input.fs.unlink(s.path);
    removed += 1;
    input.logger.warn({ segment: s.name }, `removed ${why}`);
  }
  if (removed > 0) input.fs.fsyncDir(input.segDir);
}

/**
 * installSnapshot writes the snapshot (installed=true), removes every segment, then rewrites
 * the index to start after the snapshot. An index that starts there proves the install
 * finished; otherwise the old log is stale and goes.
 */
function finishInstall(input: RecoveryInput, segments: SegmentFile[], index: EntryIndex | null, snap: StoredSnapshot): EntryIndex | null {
  const next = snap.snapshot.meta.index + 1;
  if (index && index.firstIndex === next && index.firstPos === snap.endPos) return index;
  // A lost index after a finished install: keep segments that clearly belong to the new log.
  if (!index && segments.length > 0 && segments[0].start === snap.endPos && firstEntryIndexOf(segments[0]) === next) return null;
  input.logger.warn({ snapshotIndex: snap.snapshot.meta.index }, 'finishing an interrupted snapshot install');
  removeWhile(input, segments, () => true, 'segment of the log replaced by a snapshot');
  const fresh = new EntryIndex(next, snap.snapshot.meta.term, snap.endPos);
  IndexFile.rewrite(input.fs, input.dir, fresh, 0, null).close();
  return fresh;
}

function scanLog(input: RecoveryInput, segments: SegmentFile[], loaded: EntryIndex | null): RecoveredLog | 'index-mismatch' {
  const snap = input.snapshot;
  const rebuilt = loaded === null;
  const index = loaded ?? freshIndex(segments, snap);
  // Records after a hole or garbage (an unfsynced index write lost before a later one survived) are dropped.
  const badRecord = firstInvalidRecord(index, segments);
  if (badRecord < index.count) {
    input.logger.warn({ record: badRecord, records: index.count }, 'index file has invalid records; dropping them');
    index.truncate(badRecord);
  }
  const fileCount = index.count;
  if (segments.length === 0) {
    if (fileCount > 0) return corrupt(input, segments, index, `the index names ${fileCount} entries but no segment exists`);
    return finish(input, segments, index, index.firstPos, rebuilt, fileCount);
  }
  const mark = rebuilt ? null : loadVerifiedMark(input.fs, input.dir, index);
  const lastSeg = fileCount === 0 ? 0 : segments.findIndex((s) => s.contains(index.posOf(index.lastIndex())));
  // A mark past what its segment file holds (cut by hand) is no help: scan as without one.
  const markSeg = mark === null ? -1 : segments.findIndex((s) => s.contains(index.posOf(mark.index)) && mark.endPos <= s.nextPos());
  const scanFrom = markSeg >= 0 ? markSeg : Math.max(0, Math.min(segments.length - recoveryScanSegmentsMin, lastSeg));
  // Entries up to the mark are trusted like those of older segments; the scan starts after them.
  const scanPos = markSeg >= 0 ? mark!.endPos : segments[scanFrom].start;
  const trusted = markSeg >= 0 ? mark!.index - index.firstIndex + 1 : index.countBelow(segments[scanFrom].start);
  const expected = saveRecords(index, trusted);
  index.truncate(trusted);
  const checkpoint = index.firstIndex + fileCount - 1;
  let mismatch = false;
  const visit = (i: number, term: number, _type: number, pos: number, size: number) => {
    const k = i - index.firstIndex - trusted;
    if (k < expected.length && (expected[k].pos !== pos || expected[k].size !== size || expected[k].term !== term)) mismatch = true;
    index.push(pos, size, term);
  };
  let nextIndex = index.firstIndex + trusted;
  for (let si = scanFrom; si < segments.length; si++) {
    const seg = segments[si];
    const r = scanSegment(seg, si === scanFrom ? scanPos : seg.start, nextIndex, visit);
    nextIndex = r.nextIndex;
    if (mismatch && !rebuilt) return 'index-mismatch';
    const last = si === segments.length - 1;
    if (r.stop.kind === 'sealed' && !last && segments[si + 1].start !== seg.end) {
      return onBad(input, segments, index, si + 1, segments[si + 1].start, { kind: 'bad', pos: segments[si + 1].start, reason: gapReason, bodyOnly: false, size: 0 }, nextIndex, checkpoint, fileCount, rebuilt);
    }
    if (r.stop.kind === 'sealed') continue;
    if (r.stop.kind === 'end' && last) return finish(input, segments, index, r.stop.pos, rebuilt, fileCount, checkpoint);
    const stop: ScanStop = r.stop.kind === 'end' ? { kind: 'bad', pos: r.stop.pos, reason: 'segment ends early but later segments exist', bodyOnly: false, size: 0 } : r.stop;
    return onBad(input, segments, index, si, stop.kind === 'bad' ? stop.pos : 0, stop, nextIndex, checkpoint, fileCount, rebuilt);
  }
  return finish(input, segments, index, segments[segments.length - 1].end, rebuilt, fileCount, checkpoint);
}

const gapReason = 'gap between segments';

/** The segments from `si` on do not continue the log: above the checkpoints they are a torn tail. */
function dropFrom(
  input: RecoveryInput, segments: SegmentFile[], index: EntryIndex, si: number, where: string, rebuilt: boolean, fileCount: number, checkpoint: number, badIndex: number,
): RecoveredLog {
  if (badIndex <= Math.max(checkpoint, input.commitHint)) return corrupt(input, segments, index, `${where} (entry ${badIndex} is at or below the checkpoint)`);
  input.logger.warn({ index: badIndex, segment: segments[si].name }, 'removing segments that do not continue the log');
  for (const later of segments.splice(si)) {
    later.close();
    input.fs.unlink(later.path);
  }
  input.fs.fsyncDir(input.segDir);
  return finish(input, segments, index, segments[si - 1].end, rebuilt, fileCount, checkpoint);
}

function freshIndex(segments: SegmentFile[], snap: StoredSnapshot | null): EntryIndex {
  const snapNext = snap ? snap.snapshot.meta.index + 1 : 1;
  const firstPos = segments.length > 0 ? segments[0].start : snap ? snap.endPos : 0;
  const firstIndex = (segments.length > 0 ? firstEntryIndexOf(segments[0]) : null) ?? snapNext;
  const prevTerm = snap && snap.snapshot.meta.index === firstIndex - 1 ? snap.snapshot.meta.term : 0;
  return new EntryIndex(firstIndex, prevTerm, firstPos);
}

/** First record that cannot describe the segments (bad start, overlap, term going back, no segment). */
function firstInvalidRecord(index: EntryIndex, segments: SegmentFile[]): number {
  let si = 0;
  for (let k = 0; k < index.count; k++) {
    const i = index.firstIndex + k;
    const pos = index.posOf(i);
    if (index.sizeOf(i) < headerBytes) return k;
    // Bounded: si only moves forward.
    while (si < segments.length && !segments[si].contains(pos)) si++;
    if (si === segments.length || pos + index.sizeOf(i) > segments[si].end) return k;
    if (k === 0) {
      if (pos !== index.firstPos) return k;
      continue;
    }
    const prevEnd = index.posOf(i - 1) + index.sizeOf(i - 1);
    // Either right after the previous entry, or at the start of the next segment (after padding).
    const follows = pos === prevEnd || (pos === segments[si].start && si > 0 && segments[si - 1].contains(prevEnd - 1) && pos > prevEnd);
    if (!follows || index.termOf(i)! < index.termOf(i - 1)!) return k;
  }
  return index.count;
}

function saveRecords(index: EntryIndex, from: number): { pos: number; size: number; term: number }[] {
  const out: { pos: number; size: number; term: number }[] = [];
  for (let k = from; k < index.count; k++) {
    const i = index.firstIndex + k;
    out.push({ pos: index.posOf(i), size: index.sizeOf(i), term: index.termOf(i)! });
  }
  return out;
}

function onBad(
  input: RecoveryInput, segments: SegmentFile[], index: EntryIndex, si: number, pos: number,
  stop: ScanStop & { kind: 'bad' }, badIndex: number, checkpoint: number, fileCount: number, rebuilt: boolean,
): RecoveredLog {
  if (stop.reason === gapReason) return dropFrom(input, segments, index, si, `segment ${segments[si].name}: ${gapReason}`, rebuilt, fileCount, checkpoint, badIndex);
  const seg = segments[si];
  const where = `entry ${badIndex} at position ${pos} in segment ${seg.name}: ${stop.reason}`;
  if (badIndex <= checkpoint) return corrupt(input, segments, index, `${where} (at or below the fsynced index checkpoint ${checkpoint})`);
  if (badIndex <= input.commitHint) return corrupt(input, segments, index, `${where} (at or below the commit hint ${input.commitHint})`);
  if (stop.bodyOnly && validEntryAt(seg, pos + stop.size, badIndex + 1)) return corrupt(input, segments, index, `${where} (followed by a valid entry)`);
  input.logger.warn({ index: badIndex, pos, segment: seg.name, reason: stop.reason }, 'truncating a torn tail left by a crash');
  for (const later of segments.splice(si + 1)) {
    later.close();
    input.fs.unlink(later.path);
  }
  const cut = pos >= seg.start ? pos : seg.start;
  seg.truncateTo(Math.min(cut, seg.nextPos()));
  seg.fsync();
  input.fs.fsyncDir(input.segDir);
  return finish(input, segments, index, seg.nextPos(), rebuilt, fileCount, checkpoint);
}

function finish(input: RecoveryInput, segments: SegmentFile[], index: EntryIndex, nextPos: number, rebuilt: boolean, fileCount: number, checkpoint = 0): RecoveredLog {
  if (!rebuilt && index.lastIndex() < checkpoint) {
    return corrupt(input, segments, index, `the index names entries up to ${checkpoint} but the segments end at ${index.lastIndex()}`);
  }
  const indexFile = rebuilt ? IndexFile.rewrite(input.fs, input.dir, index, 0, null) : IndexFile.openExisting(input.fs, input.dir, fileCount);
  return { segments, index, indexFile, nextPos, corrupt: null };
}

function corrupt(input: RecoveryInput, segments: SegmentFile[], index: EntryIndex, reason: string): RecoveredLog {
  input.logger.error({ reason }, 'the log failed its checks; it will not be written until repaired');
  const last = segments[segments.length - 1];
  return { segments, index, indexFile: null, nextPos: last ? last.nextPos() : index.firstPos, corrupt: reason };
}
