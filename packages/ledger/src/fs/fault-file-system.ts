// An in-memory file system that knows what is durable, for crash and fault tests and the
// simulator. Deterministic given its random function and clock (no Date.now, no Math.random).
//
// Model (power loss, see crash()):
// - file contents: only what an fsync of that file covered survives; every later write or
//   truncate is lost, except that `tearLast` keeps a random-length prefix of the very last
//   unfsynced write;
// - names: creations, renames and unlinks survive only if their directory was fsynced after;
// - directories made by mkdirp are durable at once (the ledger creates them once at setup).

import { posix } from 'node:path';
import { assert } from '../assert.ts';
import type { FileSystem, OpenMode } from './file-system.ts';

type PendingOp = { readonly kind: 'write'; readonly offset: number; readonly bytes: Uint8Array } | { readonly kind: 'truncate'; readonly size: number };

interface Inode {
  data: Uint8Array;
  length: number;
  durable: Uint8Array;
  pending: PendingOp[];
  mtimeMs: number;
}

interface Dir {
  entries: Map<string, Inode>;
  durable: Map<string, Inode>;
}

export class FsError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(`${code}: ${message}`);
    this.name = 'FsError';
    this.code = code;
  }
}

export interface FaultFileSystemOptions {
  /** Used for torn-write lengths; defaults to a fixed-seed PRNG. */
  readonly random?: () => number;
  /** Clock for file modification times (retention); defaults to always 0. */
  readonly now?: () => number;
}

export interface CrashOptions {
  readonly tearLast?: boolean;
  readonly random?: () => number;
}

export class FaultFileSystem implements FileSystem {
  private readonly dirs = new Map<string, Dir>();
  private readonly fds = new Map<number, { inode: Inode; path: string }>();
  private nextFd = 3;
  private lastUnsynced: { inode: Inode; op: PendingOp } | null = null;
  private failFsyncs = 0;
  private asyncPaused = false;
  private heldFsyncs: (() => void)[] = [];
  private readonly random: () => number;
  private readonly now: () => number;
  /** fsync and fsyncDir calls that succeeded. */
  fsyncCount = 0;
  crashCount = 0;

  constructor(opts: FaultFileSystemOptions = {}) {
    this.random = opts.random ?? seededRandom(0x5eed);
    this.now = opts.now ?? (() => 0);
    this.dirs.set('/', { entries: new Map(), durable: new Map() });
  }

  // ---- fault injection -------------------------------------------------------------

  /** The next fsync (file or directory, sync or async) throws EIO and persists nothing. */
  failNextFsync(count = 1): void {
    this.failFsyncs += count;
  }

  /** Flips every bit of one byte, in the live and the durable contents (bit rot). */
  corrupt(path: string, byteOffset: number): void {
    const inode = this.lookup(path);
    assert(byteOffset >= 0 && byteOffset < inode.length, `corrupt offset ${byteOffset} outside ${path}`);
    inode.data[byteOffset] ^= 0xff;
    if (byteOffset < inode.durable.length) inode.durable[byteOffset] ^= 0xff;
    for (const op of inode.pending) {
      if (op.kind === 'write' && byteOffset >= op.offset && byteOffset < op.offset + op.bytes.length) {
        (op.bytes as Uint8Array)[byteOffset - op.offset] ^= 0xff;
      }
    }
  }

  /** Power loss: everything not made durable is gone; every open descriptor becomes invalid. */
  crash(opts: CrashOptions = {}): void {
    const random = opts.random ?? this.random;
    const torn = opts.tearLast ? this.lastUnsynced : null;
    for (const dir of this.dirs.values()) dir.entries = new Map(dir.durable);
    for (const inode of this.allDurableInodes()) {
      inode.data = inode.durable.slice();
      inode.length = inode.durable.length;
      inode.pending = [];
    }
    if (torn && torn.op.kind === 'write' && this.allDurableInodes().has(torn.inode)) {
      const keep = Math.floor(random() * torn.op.bytes.length);
      if (keep > 0) {
        applyWrite(torn.inode, torn.op.offset, torn.op.bytes.subarray(0, keep));
        torn.inode.durable = torn.inode.data.slice(0, torn.inode.length);
      }
    }
    this.lastUnsynced = null;
    this.fds.clear();
    // Held fsyncs now run against closed descriptors and reject with EBADF.
    this.asyncPaused = false;
    for (const run of this.heldFsyncs.splice(0)) run();
    this.crashCount += 1;
  }

  /** Whole durable-or-live content of a file, for tests. */
  contents(path: string): Uint8Array {
    const inode = this.lookup(path);
    return inode.data.slice(0, inode.length);
  }

  // ---- FileSystem --------------------------------------------------------------------

  open(path: string, mode: OpenMode): number {
    const p = norm(path);
    const dir = this.dirOf(p);
    let inode = dir.entries.get(posix.basename(p));
    if (!inode) {
      if (mode === 'r') throw new FsError('ENOENT', `no such file ${p}`);
      inode = { data: new Uint8Array(0), length: 0, durable: new Uint8Array(0), pending: [], mtimeMs: this.now() };
      dir.entries.set(posix.basename(p), inode);
    }
    const fd = this.nextFd++;
    this.fds.set(fd, { inode, path: p });
    return fd;
  }

  read(fd: number, buf: Uint8Array, bufOffset: number, length: number, position: number): number {
    const { inode } = this.fd(fd);
    const n = Math.max(0, Math.min(length, inode.length - position));
    buf.set(inode.data.subarray(position, position + n), bufOffset);
    return n;
  }

  write(fd: number, buf: Uint8Array, bufOffset: number, length: number, position: number): void {
    const { inode } = this.fd(fd);
    // Copy: the caller reuses its buffers.
    const bytes = buf.slice(bufOffset, bufOffset + length);
    applyWrite(inode, position, bytes);
    const op: PendingOp = { kind: 'write', offset: position, bytes };
    inode.pending.push(op);
    inode.mtimeMs = this.now();
    this.lastUnsynced = { inode, op };
  }

  fsync(fd: number): void {
    const { inode, path } = this.fd(fd);
    this.maybeFail(path);
    inode.durable = inode.data.slice(0, inode.length);
    inode.pending = [];
    if (this.lastUnsynced?.inode === inode) this.lastUnsynced = null;
    this.fsyncCount += 1;
  }

  /** Holds every fsyncAsync until resumeAsyncFsyncs() (lets tests and the simulator order completions). */
  pauseAsyncFsyncs(): void {
    this.asyncPaused = true;
  }

  /** Completes the held fsyncAsync calls in call order (each persists what is written by then). */
  resumeAsyncFsyncs(): void {
    this.asyncPaused = false;
    for (const run of this.heldFsyncs.splice(0)) run();
  }

  get heldAsyncFsyncs(): number {
    return this.heldFsyncs.length;
  }

  fsyncAsync(fd: number): Promise<void> {
    if (this.asyncPaused) {
      return new Promise((resolve, reject) => {
        this.heldFsyncs.push(() => {
          try {
            this.fsync(fd);
            resolve();
          } catch (err) {
            reject(err);
          }
        });
      });
    }
    try {
      this.fsync(fd);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  close(fd: number): void {
    this.fd(fd);
    this.fds.delete(fd);
  }

  truncate(fd: number, size: number): void {
    const { inode } = this.fd(fd);
    assert(size >= 0, 'negative truncate');
    if (size > inode.length) applyWrite(inode, size, new Uint8Array(0));
    inode.length = size;
    inode.pending.push({ kind: 'truncate', size });
    inode.mtimeMs = this.now();
  }

  size(fd: number): number {
    return this.fd(fd).inode.length;
  }

  rename(from: string, to: string): void {
    const f = norm(from);
    const t = norm(to);
    const inode = this.lookup(f);
    this.dirOf(f).entries.delete(posix.basename(f));
    this.dirOf(t).entries.set(posix.basename(t), inode);
  }

  unlink(path: string): void {
    const p = norm(path);
    this.lookup(p);
    this.dirOf(p).entries.delete(posix.basename(p));
  }

  readdir(dir: string): string[] {
    const d = norm(dir);
    const found = this.dirs.get(d);
    if (!found) throw new FsError('ENOENT', `no such directory ${d}`);
    const names = [...found.entries.keys()];
    for (const sub of this.dirs.keys()) if (sub !== d && posix.dirname(sub) === d) names.push(posix.basename(sub));
    return names.sort();
  }

  mkdirp(dir: string): void {
    let d = norm(dir);
    // Bounded by the path depth.
    while (!this.dirs.has(d)) {
      this.dirs.set(d, { entries: new Map(), durable: new Map() });
      d = posix.dirname(d);
    }
  }

  fsyncDir(dir: string): void {
    const d = norm(dir);
    const found = this.dirs.get(d);
    if (!found) throw new FsError('ENOENT', `no such directory ${d}`);
    this.maybeFail(d);
    found.durable = new Map(found.entries);
    this.fsyncCount += 1;
  }

  exists(path: string): boolean {
    const p = norm(path);
    if (this.dirs.has(p)) return true;
    return this.dirs.get(posix.dirname(p))?.entries.has(posix.basename(p)) ?? false;
  }

  mtimeMs(path: string): number {
    return this.lookup(path).mtimeMs;
  }

  // ---- internals ---------------------------------------------------------------------

  private maybeFail(what: string): void {
    if (this.failFsyncs > 0) {
      this.failFsyncs -= 1;
      throw new FsError('EIO', `injected fsync failure on ${what}`);
    }
  }

  private fd(fd: number): { inode: Inode; path: string } {
    const found = this.fds.get(fd);
    if (!found) throw new FsError('EBADF', `bad file descriptor ${fd}`);
    return found;
  }

  private dirOf(p: string): Dir {
    const dir = this.dirs.get(posix.dirname(p));
    if (!dir) throw new FsError('ENOENT', `no such directory ${posix.dirname(p)}`);
    return dir;
  }

  private lookup(path: string): Inode {
    const p = norm(path);
    const inode = this.dirOf(p).entries.get(posix.basename(p));
    if (!inode) throw new FsError('ENOENT', `no such file ${p}`);
    return inode;
  }

  private allDurableInodes(): Set<Inode> {
    const set = new Set<Inode>();
    for (const dir of this.dirs.values()) for (const inode of dir.durable.values()) set.add(inode);
    return set;
  }
}

function norm(path: string): string {
  const p = posix.normalize(posix.resolve('/', path));
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

function applyWrite(inode: Inode, offset: number, bytes: Uint8Array): void {
  const end = offset + bytes.length;
  if (end > inode.data.length) {
    const grown = new Uint8Array(Math.max(end, inode.data.length * 2, 64));
    grown.set(inode.data.subarray(0, inode.length));
    inode.data = grown;
  }
  // Bytes between the old end and the write (a hole) read as zeros.
  if (offset > inode.length) inode.data.fill(0, inode.length, offset);
  inode.data.set(bytes, offset);
  inode.length = Math.max(inode.length, end);
}

/** mulberry32: small, fast, deterministic. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
