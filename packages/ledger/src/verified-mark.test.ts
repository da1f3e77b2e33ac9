import { describe, expect, it } from 'vitest';
import { headerBytes } from './constants.ts';
import { CorruptEntryError } from './errors.ts';
import { FaultFileSystem, seededRandom } from './fs/fault-file-system.ts';
import { readCheckedJson } from './checked-json.ts';
import { saveVerifiedMark, verifiedMarkFileName } from './verified-mark.ts';
import { makeEntries, makeEntry, openCommitted, openTest, sameEntry } from './test-helpers.ts';

const small = { segmentBytes: 8 * 1024 };
const dir = '/data/n1';
const segPath = (start: number) => `${dir}/segments/${String(start).padStart(20, '0')}`;
const markOnDisk = (fs: FaultFileSystem) => readCheckedJson(fs, dir, verifiedMarkFileName) as { index: number; term: number; endPos: number } | undefined;

describe('verified mark', () => {
  it('is written when the index file is fsynced and names its last record', () => {
    const fs = new FaultFileSystem();
    const l = openTest(fs, { ...small, indexFsyncEveryRecords: 1 });
    l.append(makeEntries(1, 12, 1, 300));
    l.sync();
    const loc = l.location(12);
    expect(markOnDisk(fs)).toEqual({ index: 12, term: 1, endPos: loc.pos + loc.size });
    l.close();
  });

  it('lets a tail open skip verified entries; reads and verifyOnOpen all still find damage there', () => {
    const fs = new FaultFileSystem();
    const l = openCommitted(fs, small, 30, 700);
    const loc = l.location(28);
    l.close(); // fsyncs the index: the mark names entry 30
    expect(markOnDisk(fs)?.index).toBe(30);
    fs.corrupt(segPath(Math.floor(loc.pos / 8192) * 8192), (loc.pos % 8192) + headerBytes + 5);
    const tail = openTest(fs, small);
    expect(tail.status().corrupt).toBe(false);
    expect(() => tail.entries(28, 29, Infinity)).toThrow(CorruptEntryError);
    expect(() => tail.readEntry(28)).toThrow(CorruptEntryError);
    tail.close();
    const all = openTest(fs, { ...small, verifyOnOpen: 'all' });
    expect(all.status()).toMatchObject({ corrupt: true });
    expect(all.status().reason).toMatch(/start-up verification: .*entry 28/);
  });

  it('still cuts a torn tail past the mark', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const fs = new FaultFileSystem({ random: seededRandom(seed) });
      const l = openTest(fs, { ...small, indexFsyncEveryRecords: 1 });
      l.append(makeEntries(1, 20, 1, 700));
      l.sync();
      l.append(makeEntries(21, 10, 1, 700));
      fs.crash({ tearLast: true });
      const r = openTest(fs, small);
      expect(r.status().corrupt).toBe(false);
      expect(r.lastIndex()).toBeGreaterThanOrEqual(20);
      expect(r.verifyAll().ok).toBe(true);
      r.append(makeEntries(r.lastIndex() + 1, 3, 2, 100));
      r.sync();
      expect(r.verifyAll().ok).toBe(true);
      r.close();
    }
  });

  it('is removed before a truncation replaces the entries it names, and ignored when it disagrees', () => {
    const fs = new FaultFileSystem();
    const l = openTest(fs, { ...small, indexFsyncEveryRecords: 1 });
    l.append(makeEntries(1, 20, 1, 700));
    l.sync();
    expect(markOnDisk(fs)?.index).toBe(20);
    l.append(makeEntries(15, 3, 2, 100)); // a new leader's entries replace 15..20
    expect(markOnDisk(fs)).toBeUndefined();
    l.sync();
    expect(markOnDisk(fs)).toMatchObject({ index: 17, term: 2 });
    l.close();
    const r = openTest(fs, small);
    expect(r.lastIndex()).toBe(17);
    expect(sameEntry(r.entries(17, 18, Infinity)[0], makeEntry(17, 2, 100))).toBe(true);
    const loc = r.location(16);
    r.close();
    // A mark naming an entry the index holds differently is not used: the tail scan finds the damage.
    saveVerifiedMark(fs, dir, { index: 17, term: 1, endPos: loc.pos + loc.size + 100 + headerBytes });
    fs.corrupt(segPath(Math.floor(loc.pos / 8192) * 8192), (loc.pos % 8192) + headerBytes + 3);
    expect(openTest(fs, small).status().corrupt).toBe(true);
  });
});

describe('readEntry', () => {
  it('returns the entries entries() returns, from the cache or the disk (checked)', () => {
    const fs = new FaultFileSystem();
    const l = openTest(fs, { ...small, entryCacheBytesMax: 2000 });
    l.append(makeEntries(1, 40, 1, (i) => 50 + ((i * 37) % 600)));
    l.sync();
    for (const i of [1, 2, 9, 3, 40, 39, 20, 21, 5]) {
      const { entry, checked } = l.readEntry(i);
      expect(sameEntry(entry, l.entries(i, i + 1, Infinity)[0])).toBe(true);
      expect(checked).toBe(i < 37); // the last few are still cached
    }
    l.append(makeEntries(10, 2, 2, 80)); // truncation: positions from 10 on are rewritten
    expect(sameEntry(l.readEntry(10).entry, makeEntry(10, 2, 80))).toBe(true);
    expect(() => l.readEntry(12)).toThrow();
    l.close();
    const r = openTest(fs, { ...small, entryCacheBytesMax: 0 });
    for (let i = 1; i <= 11; i++) expect(sameEntry(r.readEntry(i).entry, i >= 10 ? makeEntry(i, 2, 80) : makeEntry(i, 1, 50 + ((i * 37) % 600)))).toBe(true);
    r.close();
  });
});
