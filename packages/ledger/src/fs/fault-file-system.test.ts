import { describe, expect, it } from 'vitest';
import { FaultFileSystem, seededRandom } from './fault-file-system.ts';
import { readWholeFile, writeFileAtomic } from './file-system.ts';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('FaultFileSystem', () => {
  it('keeps fsynced writes and drops later ones on crash', () => {
    const fs = new FaultFileSystem();
    fs.mkdirp('/d');
    const fd = fs.open('/d/f', 'rw');
    fs.write(fd, bytes('hello'), 0, 5, 0);
    fs.fsync(fd);
    fs.fsyncDir('/d');
    fs.write(fd, bytes(' world'), 0, 6, 5);
    expect(text(fs.contents('/d/f'))).toBe('hello world');
    fs.crash();
    expect(text(readWholeFile(fs, '/d/f'))).toBe('hello');
    expect(() => fs.size(fd)).toThrow(/EBADF/);
  });

  it('loses a created file whose directory was not fsynced', () => {
    const fs = new FaultFileSystem();
    fs.mkdirp('/d');
    const fd = fs.open('/d/f', 'rw');
    fs.write(fd, bytes('x'), 0, 1, 0);
    fs.fsync(fd);
    fs.crash();
    expect(fs.exists('/d/f')).toBe(false);
  });

  it('reverts a rename and an unlink not followed by fsyncDir', () => {
    const fs = new FaultFileSystem();
    fs.mkdirp('/d');
    writeFileAtomic(fs, '/d', 'a', bytes('A'));
    writeFileAtomic(fs, '/d', 'b', bytes('B'));
    fs.rename('/d/a', '/d/c');
    fs.unlink('/d/b');
    fs.crash();
    expect(fs.readdir('/d')).toEqual(['a', 'b']);
  });

  it('tears the last unfsynced write to a strict prefix', () => {
    const fs = new FaultFileSystem();
    fs.mkdirp('/d');
    const fd = fs.open('/d/f', 'rw');
    fs.fsyncDir('/d');
    fs.write(fd, bytes('aaaa'), 0, 4, 0);
    fs.write(fd, bytes('bbbbbbbb'), 0, 8, 4);
    fs.crash({ tearLast: true, random: () => 0.5 });
    // The first unfsynced write is lost: the kept prefix lands after a zero-filled hole.
    expect(Array.from(readWholeFile(fs, '/d/f'))).toEqual([0, 0, 0, 0, 98, 98, 98, 98]);
  });

  it('is deterministic for a given random function', () => {
    const run = () => {
      const fs = new FaultFileSystem({ random: seededRandom(42) });
      fs.mkdirp('/d');
      const fd = fs.open('/d/f', 'rw');
      fs.fsyncDir('/d');
      fs.write(fd, new Uint8Array(1000).fill(7), 0, 1000, 0);
      fs.crash({ tearLast: true });
      return readWholeFile(fs, '/d/f').length;
    };
    expect(run()).toBe(run());
  });

  it('injects fsync failures, counts fsyncs and flips bits', () => {
    const fs = new FaultFileSystem();
    fs.mkdirp('/d');
    const fd = fs.open('/d/f', 'rw');
    fs.write(fd, bytes('abc'), 0, 3, 0);
    fs.failNextFsync();
    expect(() => fs.fsync(fd)).toThrow(/EIO/);
    expect(fs.fsyncCount).toBe(0);
    fs.fsync(fd);
    expect(fs.fsyncCount).toBe(1);
    fs.corrupt('/d/f', 1);
    expect(fs.contents('/d/f')[1]).toBe('b'.charCodeAt(0) ^ 0xff);
  });

  it('truncate is durable only after fsync', () => {
    const fs = new FaultFileSystem();
    fs.mkdirp('/d');
    const fd = fs.open('/d/f', 'rw');
    fs.write(fd, bytes('abcdef'), 0, 6, 0);
    fs.fsync(fd);
    fs.fsyncDir('/d');
    fs.truncate(fd, 2);
    expect(fs.size(fd)).toBe(2);
    fs.crash();
    expect(text(readWholeFile(fs, '/d/f'))).toBe('abcdef');
  });
});
