// The production file system: node:fs synchronous calls, plus fsync on the libuv thread pool.

import * as nodeFs from 'node:fs';
import type { FileSystem, OpenMode } from './file-system.ts';

export class RealFileSystem implements FileSystem {
  open(path: string, mode: OpenMode): number {
    if (mode === 'r') return nodeFs.openSync(path, 'r');
    // 'r+' keeps existing content; create first when missing ('a' would force appends).
    try {
      return nodeFs.openSync(path, 'r+');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return nodeFs.openSync(path, 'w+');
    }
  }

  read(fd: number, buf: Uint8Array, bufOffset: number, length: number, position: number): number {
    return nodeFs.readSync(fd, buf, bufOffset, length, position);
  }

  write(fd: number, buf: Uint8Array, bufOffset: number, length: number, position: number): void {
    let done = 0;
    // Bounded: writeSync makes progress or throws.
    while (done < length) {
      const n = nodeFs.writeSync(fd, buf, bufOffset + done, length - done, position + done);
      if (n <= 0) throw new Error(`short write (${done} of ${length} bytes)`);
      done += n;
    }
  }

  fsync(fd: number): void {
    nodeFs.fsyncSync(fd);
  }

  fsyncAsync(fd: number): Promise<void> {
    return new Promise((resolve, reject) => nodeFs.fsync(fd, (err) => (err ? reject(err) : resolve())));
  }

  close(fd: number): void {
    nodeFs.closeSync(fd);
  }

  truncate(fd: number, size: number): void {
    nodeFs.ftruncateSync(fd, size);
  }

  size(fd: number): number {
    return nodeFs.fstatSync(fd).size;
  }

  rename(from: string, to: string): void {
    nodeFs.renameSync(from, to);
  }

  unlink(path: string): void {
    nodeFs.unlinkSync(path);
  }

  readdir(dir: string): string[] {
    return nodeFs.readdirSync(dir);
  }

  mkdirp(dir: string): void {
    nodeFs.mkdirSync(dir, { recursive: true });
  }

  fsyncDir(dir: string): void {
    const fd = nodeFs.openSync(dir, 'r');
    try {
      nodeFs.fsyncSync(fd);
    } finally {
      nodeFs.closeSync(fd);
    }
  }

  exists(path: string): boolean {
    return nodeFs.existsSync(path);
  }

  mtimeMs(path: string): number {
    return nodeFs.statSync(path).mtimeMs;
  }
}
