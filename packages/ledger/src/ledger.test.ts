import { describe, expect, it } from 'vitest';
import { headerBytes } from './constants.ts';
import { EntryNotFoundError, EntryTooLargeError, FsyncFailedError, LedgerMismatchError, LedgerStoppedError, NonContiguousAppendError } from './errors.ts';
import { FaultFileSystem } from './fs/fault-file-system.ts';
import { Ledger } from './ledger.ts';
import { makeEntries, makeEntry, openTest, sameEntry } from './test-helpers.ts';

const seg = 64 * 1024;

describe('Ledger basics', () => {
  it('appends, reads back from cache and from disk, and survives reopen', () => {
    const fs = new FaultFileSystem();
    const l = openTest(fs, { entryCacheBytesMax: 10_000 });
    expect(l.firstIndex()).toBe(1);
    expect(l.lastIndex()).toBe(0);
    expect(l.term(0)).toBe(0);
    const es = makeEntries(1, 300, 2, (i) => (i * 37) % 1500);
    l.append(es);
    expect(l.lastIndex()).toBe(300);
    expect(l.durableIndex()).toBe(0);
    expect(l.sync()).toEqual({ index: 300, term: 2 });
    const got = l.entries(1, 301, Infinity);
    expect(got.length).toBe(300);
    got.forEach((e, k) => expect(sameEntry(e, es[k])).toBe(true));
    l.close();
    const r = openTest(fs);
    expect(r.lastIndex()).toBe(300);
    expect(r.term(150)).toBe(2);
    r.entries(1, 301, Infinity).forEach((e, k) => expect(sameEntry(e, es[k])).toBe(true));
    expect(r.verifyAll()).toMatchObject({ ok: true, entries: 300 });
  });

  it('limits entries() by bytes but returns at least one', () => {
    const fs = new FaultFileSystem();
    const l = openTest(fs);
    l.append(makeEntries(1, 10, 1, 100));
    expect(l.entries(1, 11, 250).length).toBe(2);
    expect(l.entries(1, 11, 10).length).toBe(1);
    expect(l.entries(3, 3, 10)).toEqual([]);
    expect(() => l.entries(5, 12, 1000)).toThrow(EntryNotFoundError);
  });

  it('places entries at consecutive positions and pads the end of a segment', () => {
    const fs = new FaultFileSystem();
    const l = openTest(fs);
    const size = 10_000;
    l.append(makeEntries(1, 10, 1, size));
    l.sync();
    const per = Math.floor(seg / (headerBytes + size));
    expect(l.location(1)).toEqual({ pos: 0, size: headerBytes + size, term: 1 });
    expect(l.location(2).pos).toBe(headerBytes + size);
    // The first entry that does not fit starts the next segment, named by its position.
    expect(l.location(per + 1).pos).toBe(seg);
    expect(l.status().segments).toBe(2);
    expect(l.segmentChecksums().map((c) => c.name)).toEqual(['00000000000000000000', String(seg).padStart(20, '0')]);
    expect(l.segmentChecksums()[0].bytes).toBe(seg);
    expect(() => l.readAt(per * (headerBytes + size))).toThrow(EntryNotFoundError);
    const e = l.readAt(l.location(per + 1).pos);
    expect(sameEntry(e, makeEntry(per + 1, 1, size))).toBe(true);
  });

  it('finds the entry holding a position, in any order, and none in padding, below or past the log', () => {
    const fs = new FaultFileSystem();
    const l = openTest(fs);
    l.append(makeEntries(1, 40, 1, (i) => 3000 + ((i * 997) % 5000)));
    l.sync();
    expect(l.status().segments).toBeGreaterThan(2);
    const order = [1, 2, 3, 40, 39, 17, 18, 25, 5, 6, 30, 1, 40, 12];
    for (const i of order) {
      const { pos, size } = l.location(i);
      for (const p of [pos, pos + 1, pos + Math.floor(size / 2), pos + size - 1]) expect(l.entryIndexAt(p), `position ${p}`).toBe(i);
    }
    for (let i = 1; i < 40; i++) {
      const end = l.location(i).pos + l.location(i).size;
      // Either the next entry starts right there, or the rest of the segment is padding.
      expect(l.entryIndexAt(end)).toBe(end === l.location(i + 1).pos ? i + 1 : null);
    }
    const last = l.location(40);
    expect(l.entryIndexAt(last.pos + last.size)).toBeNull();
    expect(l.entryIndexAt(-1)).toBeNull();
    l.append(makeEntries(20, 1, 2, 100)); // truncation: entry 20 is shorter, 21.. are gone
    const e20 = l.location(20);
    expect(l.entryIndexAt(e20.pos + 99)).toBe(20);
    expect(l.entryIndexAt(e20.pos + e20.size)).toBeNull();
    expect(l.entryIndexAt(l.location(19).pos)).toBe(19);
  });

  it('truncates a conflicting suffix and reuses its positions', () => {
    const fs = new FaultFileSystem();
    const l = openTest(fs);
    l.append(makeEntries(1, 20, 1, 5000));
    l.sync();
    const pos10 = l.location(10).pos;
    l.append(makeEntries(10, 3, 2, 100));
    expect(l.lastIndex()).toBe(12);
    expect(l.durableIndex()).toBe(9);
    expect(l.location(10).pos).toBe(pos10);
    expect(l.location(11).pos).toBe(pos10 + headerBytes + 100);
    expect(l.term(11)).toBe(2);
    expect(l.status().segments).toBe(1);
    expect(l.sync()).toEqual({ index: 12, term: 2 });
    l.close();
    const r = openTest(fs);
    expect(r.lastIndex()).toBe(12);
    expect(r.verifyAll().ok).toBe(true);
    expect(sameEntry(r.entries(11, 12, Infinity)[0], makeEntry(11, 2, 100))).toBe(true);
  });

  it('produces byte-identical segments on two replicas fed the same entries, also after truncation', () => {
    const a = openTest(new FaultFileSystem());
    const b = openTest(new FaultFileSystem());
    const sizes = (i: number) => (i * 7919) % 9000;
    // Replica a gets the entries in one batch, b in many small ones, with a divergent suffix first.
    a.append(makeEntries(1, 60, 1, sizes));
    b.append(makeEntries(1, 30, 1, sizes));
    b.append(makeEntries(31, 40, 1, 77));
    b.sync();
    for (let i = 31; i <= 60; i += 7) b.append(makeEntries(i, Math.min(7, 61 - i), 1, sizes));
    a.append(makeEntries(45, 20, 3, 333));
    b.append(makeEntries(45, 20, 3, 333));
    a.sync();
    b.sync();
    expect(b.lastIndex()).toBe(64);
    expect(a.segmentChecksums()).toEqual(b.segmentChecksums());
    for (let i = 1; i <= 64; i++) expect(a.location(i)).toEqual(b.location(i));
  });

  it('rebuilds the index file from the segments when it is missing', () => {
    const fs = new FaultFileSystem();
    const l = openTest(fs);
    l.append(makeEntries(1, 100, 4, 2000));
    l.sync();
    const locs = Array.from({ length: 100 }, (_, k) => l.location(k + 1));
    l.close();
    fs.unlink('/data/n1/index');
    const r = openTest(fs);
    expect(r.lastIndex()).toBe(100);
    expect(Array.from({ length: 100 }, (_, k) => r.location(k + 1))).toEqual(locs);
    expect(r.verifyAll().ok).toBe(true);
    expect(fs.exists('/data/n1/index')).toBe(true);
  });

  it('rebuilds an index file whose records disagree with the segments', () => {
    const fs = new FaultFileSystem();
    const l = openTest(fs);
    l.append(makeEntries(1, 50, 1, 1000));
    l.sync();
    l.close();
    fs.corrupt('/data/n1/index', 40 + 20 * 30 + 12); // term of record 30
    const r = openTest(fs);
    expect(r.status().corrupt).toBe(false);
    expect(r.term(31)).toBe(1);
    expect(r.verifyAll().ok).toBe(true);
  });

  it('rejects bad input without writing anything', () => {
    const fs = new FaultFileSystem();
    const l = openTest(fs, { entryBytesMax: 1000 });
    l.append(makeEntries(1, 5, 2, 10));
    expect(() => l.append([makeEntry(6, 2, 1001)])).toThrow(EntryTooLargeError);
    expect(() => l.append([makeEntry(8, 2, 1)])).toThrow(NonContiguousAppendError);
    expect(() => l.append([makeEntry(6, 2, 1), makeEntry(8, 2, 1)])).toThrow(NonContiguousAppendError);
    expect(() => l.append([makeEntry(6, 1, 1)])).toThrow(NonContiguousAppendError);
    expect(() => l.append([makeEntry(0, 2, 1)])).toThrow(NonContiguousAppendError);
    expect(l.lastIndex()).toBe(5);
    expect(l.sync().index).toBe(5);
    expect(l.verifyAll()).toMatchObject({ ok: true, entries: 5 });
  });

  it('refuses a directory of another group or segment size, without touching it', () => {
    const fs = new FaultFileSystem();
    const l = openTest(fs);
    l.append(makeEntries(1, 3, 1, 10));
    l.sync();
    l.close();
    const before = fs.contents('/data/n1/segments/00000000000000000000');
    expect(() => openTest(fs, { groupId: 'other' })).toThrow(LedgerMismatchError);
    expect(() => openTest(fs, { segmentBytes: 128 * 1024 })).toThrow(/segmentBytes/);
    expect(Buffer.from(fs.contents('/data/n1/segments/00000000000000000000')).equals(Buffer.from(before))).toBe(true);
    expect(openTest(fs).lastIndex()).toBe(3);
  });

  it('saves and reloads the hard state', () => {
    const fs = new FaultFileSystem();
    const l = openTest(fs);
    expect(l.hardState()).toEqual({ term: 0, vote: null, commit: 0 });
    l.saveHardState({ term: 5, vote: 'n2', commit: 0 });
    l.close();
    expect(openTest(fs).hardState()).toEqual({ term: 5, vote: 'n2', commit: 0 });
  });

  it('stops for good after a failed fsync', async () => {
    const fs = new FaultFileSystem();
    const l = openTest(fs);
    l.append(makeEntries(1, 3, 1, 10));
    fs.failNextFsync();
    expect(() => l.sync()).toThrow(FsyncFailedError);
    expect(() => l.sync()).toThrow(LedgerStoppedError);
    expect(() => l.append([makeEntry(4, 1, 1)])).toThrow(LedgerStoppedError);
    expect(() => l.lastIndex()).toThrow(LedgerStoppedError);
    const l2 = Ledger.open({ fs, dir: '/data/n2', groupId: 'g1', segmentBytes: seg });
    l2.append(makeEntries(1, 3, 1, 10));
    fs.failNextFsync();
    await expect(l2.syncAsync()).rejects.toBeInstanceOf(FsyncFailedError);
    await expect(l2.syncAsync()).rejects.toBeInstanceOf(LedgerStoppedError);
    expect(() => l2.saveHardState({ term: 1, vote: null, commit: 0 })).toThrow(LedgerStoppedError);
  });

  it('syncAsync covers what was written before it started and serialises', async () => {
    const fs = new FaultFileSystem();
    const l = openTest(fs);
    l.append(makeEntries(1, 10, 1, 100));
    const p1 = l.syncAsync();
    l.append(makeEntries(11, 10, 1, 100));
    const p2 = l.syncAsync();
    expect((await p1).index).toBeGreaterThanOrEqual(10);
    expect(await p2).toEqual({ index: 20, term: 1 });
    expect(l.durableIndex()).toBe(20);
    fs.crash();
    const r = openTest(fs);
    expect(r.lastIndex()).toBe(20);
  });

  it('a sync racing a truncation never reports replaced entries as durable', async () => {
    const fs = new FaultFileSystem();
    const l = openTest(fs);
    l.append(makeEntries(1, 10, 1, 100));
    fs.pauseAsyncFsyncs();
    const p = l.syncAsync();
    for (let k = 0; k < 100 && fs.heldAsyncFsyncs === 0; k++) await Promise.resolve();
    expect(fs.heldAsyncFsyncs).toBeGreaterThan(0);
    l.append(makeEntries(6, 2, 2, 100));
    fs.resumeAsyncFsyncs();
    const r = await p;
    expect(r.index).toBeLessThanOrEqual(5);
    expect(l.durableIndex()).toBeLessThanOrEqual(5);
    expect(await l.syncAsync()).toEqual({ index: 7, term: 2 });
  });
});
