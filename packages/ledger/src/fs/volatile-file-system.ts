// A test-only file system over the real one that turns `kill -9` into a power loss: every
// write and truncate since a file's last fsync is held in this process's memory (reads see
// it), and only fsync makes it reach the file. A process killed without fsync therefore loses
// exactly what a machine losing power would lose from its page cache, while a real process,
// a real network and the real disk are used for everything else (jepsen-lite's `power-loss`).
//
// Model, and where it is kinder than a real power loss:
// - contents: only what an fsync covered is in the file (a kill loses the rest). fsyncAsync
//   writes the held pages to the file at once and then fsyncs off the main thread, so a kill
//   during that fsync may keep them: a power loss may keep any unfsynced write too;
// - names: creations, renames and unlinks reach the directory at once (as if every fsyncDir
//   had happened). Lost names are the in-memory FaultFileSystem's job (the simulation tier);
// - torn writes: none here; the harness appends a torn record after the kill (torn-tail.ts).
//
// Memory is bounded: past volatileBytesMax held bytes a write throws, and the ledger fails
// stop on it, loudly, rather than this silently writing through.

import path from 'node:path';
import { assert } from '../assert.ts';
import type { FileSystem, OpenMode } from './file-system.ts';

/** Held (unfsynced) data is kept in pages of this size. */
export const volatilePageBytes = 4096;
/** At most this many unfsynced bytes (in whole pages) over all files. */
export const volatileBytesMaxDefault = 256 * 1024 * 1024;

/** More unfsynced data than the bound: the caller writes without ever fsyncing. */
export class VolatileWritesFullError extends Error {
  constructor(heldBytes: number, bytesMax: number) {
    super(`volatile file system holds ${heldBytes} unfsynced bytes, more than its limit of ${bytesMax}: fsync more often`);
    this.name = 'VolatileWritesFullError';
  }
}

/** What one file holds beyond its fsynced content. */
interface Held {
  /** Logical size (what size() and reads see). */
  size: number;
  /** File bytes at or past this position are stale (a truncate cut them): they read as zeros. */
  zeroFrom: number;
  /** Page number -> the page's current bytes. */
  readonly pages: Map<number, Uint8Array>;
}

export interface VolatileFileSystemOptions {
  readonly bytesMax?: number;
}

export class VolatileFileSystem implements FileSystem {
  private readonly held = new Map<string, Held>();
  private readonly fds = new Map<number, { path: string; mode: OpenMode }>();
  private readonly bytesMax: number;
  private heldPages = 0;
  private ghosts = 0;

  constructor(
    private readonly real: FileSystem,
    opts: VolatileFileSystemOptions = {},
  ) {
    this.bytesMax = opts.bytesMax ?? volatileBytesMaxDefault;
    assert(Number.isSafeInteger(this.bytesMax) && this.bytesMax >= volatilePageBytes, `bytesMax ${this.bytesMax} below one page`);
  }

  /** Unfsynced bytes held now (whole pages), for tests and the node's diagnostics. */
  get heldBytes(): number {
    return this.heldPages * volatilePageBytes;
  }

  open(p: string, mode: OpenMode): number {
    const fd = this.real.open(p, mode);
    this.fds.set(fd, { path: path.resolve(p), mode });
    return fd;
  }

  read(fd: number, buf: Uint8Array, bufOffset: number, length: number, position: number): number {
    const h = this.held.get(this.pathOf(fd));
    if (h === undefined) return this.real.read(fd, buf, bufOffset, length, position);
    const n = Math.max(0, Math.min(length, h.size - position));
    // Page by page: held pages from memory, the rest from the file (bounded by n / page size).
    for (let done = 0; done < n; ) {
      const pos = position + done;
      const pageNo = Math.floor(pos / volatilePageBytes);
      const inPage = pos - pageNo * volatilePageBytes;
      const len = Math.min(n - done, volatilePageBytes - inPage);
      const page = h.pages.get(pageNo);
      if (page !== undefined) buf.set(page.subarray(inPage, inPage + len), bufOffset + done);
      else this.readFileBytes(fd, h, buf.subarray(bufOffset + done, bufOffset + done + len), pos);
      done += len;
    }
    return n;
  }

  write(fd: number, buf: Uint8Array, bufOffset: number, length: number, position: number): void {
    assert(length >= 0 && position >= 0, `write of ${length} bytes at ${position}`);
    const h = this.heldOf(fd);
    for (let done = 0; done < length; ) {
      const pos = position + done;
      const pageNo = Math.floor(pos / volatilePageBytes);
      const inPage = pos - pageNo * volatilePageBytes;
      const len = Math.min(length - done, volatilePageBytes - inPage);
      this.page(fd, h, pageNo).set(buf.subarray(bufOffset + done, bufOffset + done + len), inPage);
      done += len;
    }
    // Bytes between the old end and `position` (a hole) read as zeros: fresh pages are zeroed,
    // and file bytes past the old logical size are past the file's end or stale (zeroFrom).
    h.size = Math.max(h.size, position + length);
  }

  fsync(fd: number): void {
    this.flush(fd);
    this.real.fsync(fd);
  }

  fsyncAsync(fd: number): Promise<void> {
    try {
      this.flush(fd);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.real.fsyncAsync ? this.real.fsyncAsync(fd) : Promise.resolve(this.real.fsync(fd));
  }

  close(fd: number): void {
    this.pathOf(fd);
    this.real.close(fd);
    // What was written stays held (it is the page cache, not the descriptor's).
    this.fds.delete(fd);
  }

  truncate(fd: number, size: number): void {
    assert(Number.isSafeInteger(size) && size >= 0, `truncate to ${size}`);
    const h = this.heldOf(fd);
    if (size < h.size) {
      h.zeroFrom = Math.min(h.zeroFrom, size);
      const boundary = Math.floor(size / volatilePageBytes);
      for (const pageNo of [...h.pages.keys()]) {
        if (pageNo > boundary || (pageNo === boundary && size % volatilePageBytes === 0)) this.dropPage(h, pageNo);
      }
      h.pages.get(boundary)?.fill(0, size % volatilePageBytes);
    }
    h.size = size;
  }

  size(fd: number): number {
    const h = this.held.get(this.pathOf(fd));
    return h === undefined ? this.real.size(fd) : h.size;
  }

  rename(from: string, to: string): void {
    const f = path.resolve(from);
    const t = path.resolve(to);
    this.real.rename(from, to);
    this.forget(t);
    this.rekey(f, t);
  }

  unlink(p: string): void {
    const f = path.resolve(p);
    this.real.unlink(p);
    // Descriptors still open on the unlinked file keep working on it, under a name nobody has.
    this.rekey(f, `${f}\u0000unlinked-${this.ghosts++}`);
  }

  readdir(dir: string): string[] {
    return this.real.readdir(dir);
  }

  mkdirp(dir: string): void {
    this.real.mkdirp(dir);
  }

  fsyncDir(dir: string): void {
    this.real.fsyncDir(dir);
  }

  exists(p: string): boolean {
    return this.real.exists(p);
  }

  mtimeMs(p: string): number {
    return this.real.mtimeMs(p);
  }

  // ---- internals ---------------------------------------------------------------------

  private pathOf(fd: number): string {
    const f = this.fds.get(fd);
    assert(f !== undefined, `bad file descriptor ${fd}`);
    return f.path;
  }

  private heldOf(fd: number): Held {
    const p = this.pathOf(fd);
    let h = this.held.get(p);
    if (h === undefined) {
      h = { size: this.real.size(fd), zeroFrom: Number.POSITIVE_INFINITY, pages: new Map() };
      this.held.set(p, h);
    }
    return h;
  }

  /** The held page, created from the file's bytes on first write. */
  private page(fd: number, h: Held, pageNo: number): Uint8Array {
    let page = h.pages.get(pageNo);
    if (page !== undefined) return page;
    if ((this.heldPages + 1) * volatilePageBytes > this.bytesMax) throw new VolatileWritesFullError(this.heldBytes, this.bytesMax);
    page = new Uint8Array(volatilePageBytes);
    const start = pageNo * volatilePageBytes;
    const len = Math.max(0, Math.min(volatilePageBytes, h.size - start));
    if (len > 0) this.readFileBytes(fd, h, page.subarray(0, len), start);
    h.pages.set(pageNo, page);
    this.heldPages += 1;
    return page;
  }

  private dropPage(h: Held, pageNo: number): void {
    if (h.pages.delete(pageNo)) this.heldPages -= 1;
  }

  /** File bytes at `pos` into `out`; past the file's end or past zeroFrom they are zeros. */
  private readFileBytes(fd: number, h: Held, out: Uint8Array, pos: number): void {
    out.fill(0);
    const want = Math.max(0, Math.min(out.length, h.zeroFrom - pos));
    if (want === 0) return;
    let done = 0;
    // Bounded: each round reads at least one byte or stops at the file's end.
    while (done < want) {
      const n = this.real.read(fd, out, done, want - done, pos + done);
      if (n <= 0) break;
      done += n;
    }
  }

  /** Makes the file hold what the reads see: cut stale bytes, set the size, write the held pages. */
  private flush(fd: number): void {
    const p = this.pathOf(fd);
    const h = this.held.get(p);
    if (h === undefined) return;
    const writable = this.fds.get(fd)!.mode === 'rw' ? fd : this.real.open(p, 'rw');
    try {
      if (h.zeroFrom < h.size) this.real.truncate(writable, h.zeroFrom);
      this.real.truncate(writable, h.size);
      for (const [pageNo, page] of [...h.pages].sort(([a], [b]) => a - b)) {
        const start = pageNo * volatilePageBytes;
        const len = Math.min(volatilePageBytes, h.size - start);
        if (len > 0) this.real.write(writable, page, 0, len, start);
      }
    } finally {
      if (writable !== fd) this.real.close(writable);
    }
    for (const pageNo of [...h.pages.keys()]) this.dropPage(h, pageNo);
    this.held.delete(p);
  }

  private forget(p: string): void {
    const h = this.held.get(p);
    if (h === undefined) return;
    for (const pageNo of [...h.pages.keys()]) this.dropPage(h, pageNo);
    this.held.delete(p);
  }

  private rekey(from: string, to: string): void {
    const h = this.held.get(from);
    if (h !== undefined) {
      this.held.delete(from);
      this.held.set(to, h);
    }
    for (const f of this.fds.values()) if (f.path === from) f.path = to;
  }
}
