// Term, vote and commit hint: replaced atomically (temp, fsync, rename, fsync dir), so a
// crash leaves either the old or the new state, never a mix.

import type { HardState } from '@ledgermq/raft';
import { assert } from './assert.ts';
import { readCheckedJson, writeCheckedJson } from './checked-json.ts';
import type { FileSystem } from './fs/file-system.ts';

export const hardStateFileName = 'hardstate';
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
