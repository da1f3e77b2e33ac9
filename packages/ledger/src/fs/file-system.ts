// The seam between the ledger and the disk. Synchronous on purpose: the ledger runs inside
// the Raft loop and the simulator drives it step by step. Only fsyncAsync may leave the
// main thread (the runtime uses it for group commit).

export type OpenMode = 'r' | 'rw';

export interface FileSystem {
  /** 'rw' creates the file if missing (the creation is durable only after fsyncDir of its directory). */
  open(path: string, mode: OpenMode): number;
  /** Reads up to `length` bytes at `position`; returns the count read (short at end of file). */
  read(fd: number, buf: Uint8Array, bufOffset: number, length: number, position: number): number;
  /** Writes exactly `length` bytes at `position` (extends the file, zero-filling any hole). */
  write(fd: number, buf: Uint8Array, bufOffset: number, length: number, position: number): void;
  fsync(fd: number): void;
  /** Same as fsync, without blocking the event loop. Optional: the ledger falls back to fsync. */
  fsyncAsync?(fd: number): Promise<void>;
  close(fd: number): void;
  truncate(fd: number, size: number): void;
  size(fd: number): number;
  rename(from: string, to: string): void;
  unlink(path: string): void;
  /** Names (not paths) of the entries in a directory. */
  readdir(dir: string): string[];
  mkdirp(dir: string): void;
  /** Makes creations, renames and unlinks in `dir` durable. */
  fsyncDir(dir: string): void;
  exists(path: string): boolean;
  /** Last modification time of a file (the ledger's clock for retention). */
  mtimeMs(path: string): number;
}

/** Reads a whole (small) file. */
export function readWholeFile(fs: FileSystem, path: string): Uint8Array {
  const fd = fs.open(path, 'r');
  try {
    const size = fs.size(fd);
    const buf = new Uint8Array(size);
    let done = 0;
    // Bounded: each round reads at least one byte or stops.
    while (done < size) {
      const n = fs.read(fd, buf, done, size - done, done);
      if (n <= 0) break;
      done += n;
    }
    return done === size ? buf : buf.subarray(0, done);
  } finally {
    fs.close(fd);
  }
}

/** Creates or replaces a file's contents without any fsync (callers decide durability). */
export function writeWholeFile(fs: FileSystem, path: string, data: Uint8Array): void {
  const fd = fs.open(path, 'rw');
  try {
    fs.truncate(fd, 0);
    fs.write(fd, data, 0, data.length, 0);
  } finally {
    fs.close(fd);
  }
}

/**
 * Replaces `dir/name` atomically and durably: write a temp file, fsync it, rename over the
 * target, fsync the directory. After a crash the file holds either the old or the new bytes.
 */
export function writeFileAtomic(fs: FileSystem, dir: string, name: string, data: Uint8Array): void {
  const tmp = `${dir}/${name}.tmp`;
  const fd = fs.open(tmp, 'rw');
  try {
    fs.truncate(fd, 0);
    fs.write(fd, data, 0, data.length, 0);
    fs.fsync(fd);
  } finally {
    fs.close(fd);
  }
  fs.rename(tmp, `${dir}/${name}`);
  fs.fsyncDir(dir);
}
