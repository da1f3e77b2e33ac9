// Term, vote and commit hint: replaced atomically (temp, fsync, rename, fsync dir), so a
// crash leaves either the old or the new state, never a mix.
//
// The commit hint alone changes every second under load; it goes to its own file without any
// fsync (commit-hint): it only names entries that were already fsynced, so whichever version a
// crash leaves (or none, or a torn one, which fails its CRC) is a safe hint. That keeps two
// fsyncs a second off the Raft loop.

import type { HardState } from '@ledgermq/raft';
import { assert } from './assert.ts';
import { readCheckedJson, replaceCheckedJsonUnsynced, writeCheckedJson } from './checked-json.ts';
import type { FileSystem } from './fs/file-system.ts';

export const hardStateFileName = 'hardstate';
export const commitHintFileName = 'commit-hint';
export const emptyHardState: HardState = { term: 0, vote: null, commit: 0 };

export function validHardState(hs: HardState): boolean {
  return (
    Number.isSafeInteger(hs.term) && hs.term >= 0 && Number.isSafeInteger(hs.commit) && hs.commit >= 0 && (hs.vote === null || typeof hs.vote === 'string')
  );
}

export function loadHardState(fs: FileSystem, dir: string): HardState {
  const v = readCheckedJson(fs, dir, hardStateFileName) as HardState | undefined;
  if (v === undefined) return emptyHardState;
  const hs: HardState = { term: v.term, vote: v.vote, commit: v.commit };
  assert(validHardState(hs), `${dir}/${hardStateFileName}: invalid contents`);
  return hs;
}

export function saveHardStateFile(fs: FileSystem, dir: string, hs: HardState): void {
  assert(validHardState(hs), `invalid hard state ${JSON.stringify(hs)}`);
  writeCheckedJson(fs, dir, hardStateFileName, { term: hs.term, vote: hs.vote, commit: hs.commit });
}

/** Replaces the commit-hint file without fsync (see the header comment). */
export function saveCommitHintFile(fs: FileSystem, dir: string, commit: number): void {
  assert(Number.isSafeInteger(commit) && commit >= 0, `commit hint ${commit}`);
  replaceCheckedJsonUnsynced(fs, dir, commitHintFileName, { commit });
}

/** The saved commit hint; 0 when it is missing or did not survive a crash whole. */
export function loadCommitHint(fs: FileSystem, dir: string): number {
  let v: unknown;
  try {
    v = readCheckedJson(fs, dir, commitHintFileName);
  } catch {
    return 0; // torn or stale by a crash: only a hint
  }
  const commit = (v as { commit?: unknown } | undefined)?.commit;
  return typeof commit === 'number' && Number.isSafeInteger(commit) && commit >= 0 ? commit : 0;
}
