// "Verified up to here": the last entry the index file names at its latest fsync, so the
// segments were fsynced through it before (index records are written only after that). At open,
// recovery trusts the entries up to it as it trusts older segments and CRC-scans only what
// follows, instead of whole trailing segments (a 1 GiB segment costs seconds to re-read).
// verifyOnOpen 'all' still checks everything.
//
// Written like the commit hint (temp + rename, no fsync): whichever version a crash leaves
// names fsynced entries; a torn one fails its CRC and a missing one costs the full tail scan.
// Recovery uses it only when the index it loaded holds that entry with that term and end
// position (a truncation or snapshot install since then makes it disagree, so it is ignored;
// truncation also removes it first).

import { readCheckedJson, replaceCheckedJsonUnsynced } from './checked-json.ts';
import type { EntryIndex } from './entry-index.ts';
import type { FileSystem } from './fs/file-system.ts';

export const verifiedMarkFileName = 'verified';

export interface VerifiedMark {
  readonly index: number;
  readonly term: number;
  /** End position of entry `index` (where the unverified bytes start). */
  readonly endPos: number;
}

export function saveVerifiedMark(fs: FileSystem, dir: string, mark: VerifiedMark): void {
  replaceCheckedJsonUnsynced(fs, dir, verifiedMarkFileName, mark);
}

export function removeVerifiedMark(fs: FileSystem, dir: string): void {
  if (fs.exists(`${dir}/${verifiedMarkFileName}`)) fs.unlink(`${dir}/${verifiedMarkFileName}`);
}

/** The mark, if present, whole, and naming an entry `index` holds exactly so; else null. */
export function loadVerifiedMark(fs: FileSystem, dir: string, index: EntryIndex): VerifiedMark | null {
  let v: unknown;
  try {
    v = readCheckedJson(fs, dir, verifiedMarkFileName);
  } catch {
    return null; // torn by a crash: only an optimisation
  }
  if (typeof v !== 'object' || v === null) return null;
  const m = v as Partial<VerifiedMark>;
  if (!Number.isSafeInteger(m.index) || !Number.isSafeInteger(m.term) || !Number.isSafeInteger(m.endPos)) return null;
  const mark = m as VerifiedMark;
  if (!index.has(mark.index) || index.termOf(mark.index) !== mark.term) return null;
  return index.posOf(mark.index) + index.sizeOf(mark.index) === mark.endPos ? mark : null;
}

/** The mark naming the last of the first `countOnDisk` records of `index`, or null if none. */
export function markOf(index: EntryIndex, countOnDisk: number): VerifiedMark | null {
  if (countOnDisk === 0) return null;
  const i = index.firstIndex + countOnDisk - 1;
  return { index: i, term: index.termOf(i)!, endPos: index.posOf(i) + index.sizeOf(i) };
}
