// Identity of a data directory: which group it belongs to and the settings that fix its
// byte layout. Opening with other values must fail before anything is touched.

import { readCheckedJson, writeCheckedJson } from './checked-json.ts';
import { formatVersion } from './constants.ts';
import { LedgerMismatchError } from './errors.ts';
import type { FileSystem } from './fs/file-system.ts';

export const metaFileName = 'meta';

export interface LedgerMeta {
  readonly version: number;
  readonly groupId: string;
  readonly segmentBytes: number;
}

/** Checks the meta file against the wanted settings; creates it if the directory is new. */
export function checkOrCreateMeta(fs: FileSystem, dir: string, want: LedgerMeta, hasData: boolean): void {
  let found: LedgerMeta | undefined;
  try {
    found = readCheckedJson(fs, dir, metaFileName) as LedgerMeta | undefined;
  } catch (err) {
    throw new LedgerMismatchError(`${dir}/${metaFileName} is unreadable (${(err as Error).message}); refusing to open`);
  }
  if (found === undefined) {
    if (hasData) throw new LedgerMismatchError(`${dir} holds log data but no ${metaFileName} file; refusing to open`);
    writeCheckedJson(fs, dir, metaFileName, want);
    return;
  }
  if (found.version !== want.version) {
    throw new LedgerMismatchError(`${dir} has format version ${found.version}, this build reads version ${formatVersion}`);
  }
  if (found.groupId !== want.groupId) {
    throw new LedgerMismatchError(`${dir} belongs to group '${found.groupId}', not '${want.groupId}'`);
  }
  if (found.segmentBytes !== want.segmentBytes) {
    throw new LedgerMismatchError(`${dir} was created with segmentBytes=${found.segmentBytes}, not ${want.segmentBytes}`);
  }
}
