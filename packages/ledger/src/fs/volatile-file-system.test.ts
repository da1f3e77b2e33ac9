// The volatile file system over real files in a temp directory. A "kill" is dropping the
// VolatileFileSystem without an fsync and reading the files again through RealFileSystem:
// exactly what a killed process leaves behind.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Ledger } from '../ledger.ts';
import { makeEntries } from '../test-helpers.ts';
import { FaultFileSystem } from './fault-file-system.ts';
import { readWholeFile } from './file-system.ts';
import { RealFileSystem } from './real-file-system.ts';
import { tearLogTail } from './torn-tail.ts';
import { VolatileFileSystem, VolatileWritesFullError, volatilePageBytes } from './volatile-file-system.ts';

const root = mkdtempSync(path.join(os.tmpdir(), 'ledgermq-volatile-fs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => {
  const d = path.join(root, `d${dirs++}`);
  new RealFileSystem().mkdirp(d);
  return d;
};
const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('VolatileFileSystem', () => {
  it('holds writes until fsync: reads see them, the file does not, a kill loses them', () => {
    const d = freshDir();
    const fs = new VolatileFileSystem(new RealFileSystem());
    const fd = fs.open(`${d}/f`, 'rw');
    fs.write(fd, bytes('hello'), 0, 5, 0);
    fs.fsync(fd);
    fs.write(fd, bytes(' world'), 0, 6, 5);
    expect(text(readWholeFile(fs, `${d}/f`))).toBe('hello world');
    expect(fs.size(fd)).toBe(11);
    expect(readFileSync(`${d}/f`, 'utf8')).toBe('hello');
    expect(fs.heldBytes).toBe(volatilePageBytes);
    // kill -9: the process and its memory are gone; the file is what survives.
    expect(text(readWholeFile(new RealFileSystem(), `${d}/f`))).toBe('hello');
    fs.fsync(fd);
    expect(readFileSync(`${d}/f`, 'utf8')).toBe('hello world');
    expect(fs.heldBytes).toBe(0);
    fs.close(fd);
  });

  it('fsyncAsync puts what was written by the call in the file', async () => {
    const d = freshDir();
    const fs = new VolatileFileSystem(new RealFileSystem());
    const fd = fs.open(`${d}/f`, 'rw');
    fs.write(fd, bytes('abc'), 0, 3, 0);
    const done = fs.fsyncAsync(fd);
    fs.write(fd, bytes('def'), 0, 3, 3);
    await done;
    expect(readFileSync(`${d}/f`, 'utf8')).toBe('abc');
    expect(text(readWholeFile(fs, `${d}/f`))).toBe('abcdef');
    fs.close(fd);
  });

  it('a truncate then an extension reads zeros where the cut bytes were, before and after fsync', () => {
    const d = freshDir();
    const fs = new VolatileFileSystem(new RealFileSystem());
    const fd = fs.open(`${d}/f`, 'rw');
    const big = new Uint8Array(3 * volatilePageBytes).fill(7);
    fs.write(fd, big, 0, big.length, 0);
    fs.fsync(fd);
    fs.truncate(fd, 10);
    expect(fs.size(fd)).toBe(10);
    fs.write(fd, bytes('Z'), 0, 1, 2 * volatilePageBytes + 5);
    const seen = readWholeFile(fs, `${d}/f`);
    expect(seen.length).toBe(2 * volatilePageBytes + 6);
    expect(seen.subarray(0, 10).every((b) => b === 7)).toBe(true);
    expect(seen.subarray(10, 2 * volatilePageBytes + 5).every((b) => b === 0)).toBe(true);
    expect(seen[2 * volatilePageBytes + 5]).toBe('Z'.charCodeAt(0));
    // Not fsynced: the file still holds the old three pages of sevens.
    expect(readFileSync(`${d}/f`).every((b) => b === 7)).toBe(true);
    fs.fsync(fd);
    expect(Buffer.from(readFileSync(`${d}/f`)).equals(Buffer.from(seen))).toBe(true);
    fs.close(fd);
  });

  it('held data follows a rename, and an unlink drops it', () => {
    const d = freshDir();
    const fs = new VolatileFileSystem(new RealFileSystem());
    const fd = fs.open(`${d}/a.tmp`, 'rw');
    fs.write(fd, bytes('new'), 0, 3, 0);
    fs.rename(`${d}/a.tmp`, `${d}/a`);
    expect(text(readWholeFile(fs, `${d}/a`))).toBe('new');
    expect(readFileSync(`${d}/a`, 'utf8')).toBe(''); // renamed at once, contents not yet durable
    fs.fsync(fd);
    fs.close(fd);
    expect(readFileSync(`${d}/a`, 'utf8')).toBe('new');
    const g = fs.open(`${d}/b`, 'rw');
    fs.write(g, bytes('gone'), 0, 4, 0);
    fs.close(g);
    fs.unlink(`${d}/b`);
    expect(fs.exists(`${d}/b`)).toBe(false);
    const h = fs.open(`${d}/b`, 'rw');
    expect(fs.size(h)).toBe(0);
    fs.close(h);
  });

  it('refuses to hold more than its bound, with a clear error', () => {
    const d = freshDir();
    const fs = new VolatileFileSystem(new RealFileSystem(), { bytesMax: 2 * volatilePageBytes });
    const fd = fs.open(`${d}/f`, 'rw');
    const page = new Uint8Array(volatilePageBytes);
    fs.write(fd, page, 0, page.length, 0);
    fs.write(fd, page, 0, page.length, volatilePageBytes);
    expect(() => fs.write(fd, page, 0, page.length, 2 * volatilePageBytes)).toThrow(VolatileWritesFullError);
    fs.fsync(fd);
    fs.write(fd, page, 0, page.length, 2 * volatilePageBytes);
    fs.close(fd);
  });

  it('reads and fsynced contents agree with the FaultFileSystem model for random operations', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('write' as const), at: fc.integer({ min: 0, max: 3 * volatilePageBytes }), len: fc.integer({ min: 1, max: 2 * volatilePageBytes }), fill: fc.integer({ min: 1, max: 255 }) }),
      fc.record({ kind: fc.constant('truncate' as const), size: fc.integer({ min: 0, max: 4 * volatilePageBytes }) }),
      fc.record({ kind: fc.constant('fsync' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 25 }), (ops) => {
        const d = freshDir();
        const fs = new VolatileFileSystem(new RealFileSystem());
        const model = new FaultFileSystem();
        model.mkdirp('/m');
        const fd = fs.open(`${d}/f`, 'rw');
        const md = model.open('/m/f', 'rw');
        let durable: Uint8Array = new Uint8Array(0);
        for (const o of ops) {
          if (o.kind === 'write') {
            const b = new Uint8Array(o.len).fill(o.fill);
            fs.write(fd, b, 0, b.length, o.at);
            model.write(md, b, 0, b.length, o.at);
          } else if (o.kind === 'truncate') {
            fs.truncate(fd, o.size);
            model.truncate(md, o.size);
          } else {
            fs.fsync(fd);
            model.fsync(md);
            durable = model.contents('/m/f');
          }
          expect(fs.size(fd)).toBe(model.size(md));
          expect(Buffer.from(readWholeFile(fs, `${d}/f`)).equals(Buffer.from(model.contents('/m/f')))).toBe(true);
          // The file itself holds exactly the last fsynced state.
          expect(Buffer.from(readFileSync(`${d}/f`)).equals(Buffer.from(durable))).toBe(true);
        }
        fs.close(fd);
      }),
      { numRuns: 60 },
    );
  });
});

describe('a ledger on the volatile file system', () => {
  it('loses on a kill exactly the entries not synced, and recovery cuts a torn record', () => {
    const d = freshDir();
    const opts = { dir: d, groupId: 'g', segmentBytes: 64 * 1024 };
    const ledger = Ledger.open({ ...opts, fs: new VolatileFileSystem(new RealFileSystem()) });
    ledger.append(makeEntries(1, 40, 1, 300));
    expect(ledger.sync()).toEqual({ index: 40, term: 1 });
    ledger.append(makeEntries(41, 30, 1, 300));
    expect(ledger.lastIndex()).toBe(70);
    expect(ledger.entries(41, 71, 1 << 20).length).toBe(30); // reads see unsynced entries
    // kill -9: no close, no sync.
    const real = new RealFileSystem();
    const torn = tearLogTail(real, { dir: d, segmentBytes: opts.segmentBytes, random: seeded(3) });
    expect(torn).not.toBeNull();
    expect(torn!.index).toBe(41);
    expect(torn!.keptBytes).toBeGreaterThan(0);
    expect(torn!.keptBytes).toBeLessThan(torn!.recordBytes);
    const sizeTorn = real.size(real.open(`${d}/segments/${torn!.segment}`, 'r'));
    const reopened = Ledger.open({ ...opts, fs: real });
    expect(reopened.status().corrupt).toBe(false);
    expect(reopened.lastIndex()).toBe(40);
    expect(reopened.entries(40, 41, 1 << 20)[0]!.index).toBe(40);
    const seg = real.open(`${d}/segments/${torn!.segment}`, 'r');
    expect(real.size(seg)).toBe(sizeTorn - torn!.keptBytes);
    real.close(seg);
    reopened.append(makeEntries(41, 1, 2, 10));
    expect(reopened.sync()).toEqual({ index: 41, term: 2 });
    reopened.close();
  });
});

function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a * 1664525 + 1013904223) >>> 0;
    return a / 2 ** 32;
  };
}
