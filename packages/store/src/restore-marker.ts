// A snapshot restore wipes the ConsumeQueue files synchronously but its checkpoint is written
// later. The marker file, fsynced before the wipe, says "a restore is in flight": if open finds
// it and the checkpoint does not carry the same token, the files and the checkpoint disagree,
// and open starts from an empty store (the node then restores again from the ledger's snapshot).

import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';

const name = 'RESTORING';

export function writeRestoreMarker(dir: string, token: string): void {
  const file = path.join(dir, name);
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, token);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  syncDir(dir);
}

export function readRestoreMarker(dir: string): string | null {
  const file = path.join(dir, name);
  return existsSync(file) ? readFileSync(file, 'utf8') : null;
}

export function removeRestoreMarker(dir: string): void {
  const file = path.join(dir, name);
  if (!existsSync(file)) return;
  unlinkSync(file);
  syncDir(dir);
}

function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
