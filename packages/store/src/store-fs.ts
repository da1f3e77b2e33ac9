// The ConsumeQueue files' seam to the disk: @ledgermq/ledger's FileSystem, so that a power-loss
// test (jepsen-lite's `power-loss`, store-crash.test.ts) can run the store on the same
// VolatileFileSystem as the log and lose every ConsumeQueue write since the last checkpoint's
// fsync. The default is the real file system.
//
// File contents, creations and deletions of files go through the seam. Directories do not:
// FileSystem has no directory removal, and its fsyncDir is synchronous while the checkpoint
// fsyncs directories off the event loop (dirty-files.ts). Both file systems the store runs on
// keep names on the disk as they are made (VolatileFileSystem passes names through), so that
// is the same tree; an in-memory FileSystem (FaultFileSystem) is therefore not supported here.

import { readdirSync, rmdirSync } from 'node:fs';
import path from 'node:path';
import { type FileSystem, RealFileSystem } from '@ledgermq/ledger';
import { assert } from './assert.ts';

export type { FileSystem };

/** Directory levels under `<storeDir>/consumequeue`: topic, queue id (then the files). */
const removeTreeDepthMax = 3;

export function realStoreFs(): FileSystem {
  return new RealFileSystem();
}

/**
 * Deletes a directory tree of ConsumeQueue files (if it exists): each file through `fs`, so a
 * volatile file system forgets what it held for that name (a file created again under it
 * must start empty), then the directories themselves.
 */
export function removeTree(fs: FileSystem, dir: string, depthMax = removeTreeDepthMax): void {
  if (!fs.exists(dir)) return;
  assert(depthMax >= 0, `directory tree under ${dir} deeper than expected`);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) removeTree(fs, p, depthMax - 1);
    else fs.unlink(p);
  }
  rmdirSync(dir);
}
