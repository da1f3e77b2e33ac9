// Tracks file descriptors written since their last fsync, so a checkpoint fsyncs exactly what
// it covers. Closing an fd while an fsync may still use it is deferred: the number could be
// reused by another open and the fsync would then cover the wrong file.
//
// Files go through the store's FileSystem (store-fs.ts); directories are fsynced with node:fs,
// off the event loop (see store-fs.ts for why that is the same directory).

import { closeSync, fsync, openSync } from 'node:fs';
import { type FileSystem, realStoreFs } from './store-fs.ts';

function fsyncDirFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));
}

export class DirtyFiles {
  private readonly dirty = new Set<number>();
  private readonly dirtyDirs = new Set<string>();
  private syncing = 0;
  private closeLater: number[] = [];

  constructor(readonly fs: FileSystem = realStoreFs()) {}

  markDirty(fd: number): void {
    this.dirty.add(fd);
  }

  /** A directory whose entries changed (file created or deleted). */
  markDirDirty(dir: string): void {
    this.dirtyDirs.add(dir);
  }

  close(fd: number): void {
    this.dirty.delete(fd);
    if (this.syncing > 0) this.closeLater.push(fd);
    else this.fs.close(fd);
  }

  /** Fsyncs every fd and directory dirtied before the call. A failure is final (no retry). */
  async syncAll(): Promise<void> {
    const fds = [...this.dirty];
    const dirs = [...this.dirtyDirs];
    this.dirty.clear();
    this.dirtyDirs.clear();
    this.syncing += 1;
    try {
      await Promise.all(fds.map((fd) => this.fsyncFile(fd)));
      for (const d of dirs) await syncDir(d);
    } finally {
      this.syncing -= 1;
      if (this.syncing === 0) {
        for (const fd of this.closeLater) this.fs.close(fd);
        this.closeLater = [];
      }
    }
  }

  private fsyncFile(fd: number): Promise<void> {
    if (this.fs.fsyncAsync) return this.fs.fsyncAsync(fd);
    try {
      this.fs.fsync(fd);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err);
    }
  }
}

async function syncDir(dir: string): Promise<void> {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch (err) {
    // A directory deleted since (topic dropped, restore wiped it) has nothing left to make durable.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  try {
    await fsyncDirFd(fd);
  } finally {
    closeSync(fd);
  }
}
