import { describe, expect, it } from 'vitest';
import { FaultFileSystem, seededRandom } from './fs/fault-file-system.ts';
import { Ledger } from './ledger.ts';
import { CuttableFs, makeEntries, openTest, PowerCut, sameEntry } from './test-helpers.ts';

const small = { segmentBytes: 8 * 1024 };
const conf = { voters: ['a', 'b', 'c'] };

function leaderWithSnapshot(fs: FaultFileSystem, n: number, at: number): Ledger {
  const l = openTest(fs, small);
  l.append(makeEntries(1, n, 2, (i) => 300 + ((i * 97) % 900)));
  l.sync();
  const loc = l.location(at);
  l.saveSnapshot({ meta: { index: at, term: 2, conf }, data: new Uint8Array([1, 2, 3]) }, loc.pos + loc.size);
  return l;
}

describe('retention', () => {
  it('deletes only old segments covered by the snapshot, never the active one, and advances firstIndex', () => {
    let now = 1000;
    const fs = new FaultFileSystem({ now: () => now });
    const l = leaderWithSnapshot(fs, 100, 60);
    const before = l.status().segments;
    expect(l.applyRetention({ nowMs: 1500, maxAgeMs: 1000 }).deletedSegments).toBe(0);
    now = 5000;
    l.append(makeEntries(101, 1, 2, 10)); // touches only the active segment
    const { deletedSegments } = l.applyRetention({ nowMs: 2500, maxAgeMs: 1000 });
    expect(deletedSegments).toBeGreaterThan(0);
    const first = l.firstIndex();
    expect(first).toBeGreaterThan(1);
    expect(first).toBeLessThanOrEqual(61);
    expect(l.status().segments).toBe(before - deletedSegments);
    // Every deleted entry was covered by the snapshot; what remains reads back fine.
    expect(l.term(first - 1)).toBe(2);
    expect(l.entries(first, 102, Infinity).length).toBe(102 - first);
    const loc = l.location(80);
    l.sync();
    l.close();
    const r = openTest(fs, small);
    expect(r.firstIndex()).toBe(first);
    expect(r.location(80)).toEqual(loc);
    expect(r.snapshot()!.meta.index).toBe(60);
    expect(r.verifyAll().ok).toBe(true);
  });

  it('deletes by size while over bytesMax, but never past the snapshot', () => {
    const fs = new FaultFileSystem();
    const l = leaderWithSnapshot(fs, 100, 30);
    l.applyRetention({ nowMs: 0, bytesMax: 0 });
    expect(l.firstIndex()).toBeLessThanOrEqual(31);
    expect(l.status().segments).toBeGreaterThan(1);
    expect(l.location(l.firstIndex()).pos).toBe(l.status().segments > 0 ? l.location(l.firstIndex()).pos : 0);
    // Without a newer snapshot nothing else can go.
    expect(l.applyRetention({ nowMs: 0, bytesMax: 0 }).deletedSegments).toBe(0);
  });

  it('does nothing without a snapshot', () => {
    const fs = new FaultFileSystem();
    const l = openTest(fs, small);
    l.append(makeEntries(1, 100, 1, 500));
    expect(l.applyRetention({ nowMs: 1e12, maxAgeMs: 0, bytesMax: 0 }).deletedSegments).toBe(0);
    expect(l.firstIndex()).toBe(1);
  });
});

describe('snapshot install', () => {
  it('restarts the follower log after the snapshot at the leader positions', () => {
    const leaderFs = new FaultFileSystem();
    const leader = leaderWithSnapshot(leaderFs, 100, 60);
    const fs = new FaultFileSystem();
    const f = openTest(fs, small);
    f.append(makeEntries(1, 20, 1, 50)); // divergent stale log
    f.sync();
    const snap = leader.snapshot()!;
    expect(snap.endPos).toBe(leader.location(60).pos + leader.location(60).size);
    f.installSnapshot(snap);
    expect(f.firstIndex()).toBe(61);
    expect(f.lastIndex()).toBe(60);
    expect(f.term(60)).toBe(2);
    expect(f.durableIndex()).toBe(60);
    f.append(leader.entries(61, 101, Infinity));
    f.sync();
    for (let i = 61; i <= 100; i++) expect(f.location(i)).toEqual(leader.location(i));
    // Whole segments after the restart point are byte-identical to the leader's.
    const lc = new Map(leader.segmentChecksums().map((c) => [c.name, c]));
    const fc = f.segmentChecksums();
    expect(fc.slice(1).every((c) => lc.get(c.name)?.crc32c === c.crc32c)).toBe(true);
    expect(fc.length).toBeGreaterThan(1);
    fs.crash();
    const r = openTest(fs, small);
    expect(r.firstIndex()).toBe(61);
    expect(r.lastIndex()).toBe(100);
    expect(r.snapshot()!.data).toEqual(new Uint8Array([1, 2, 3]));
    r.entries(61, 101, Infinity).forEach((e, k) => expect(sameEntry(e, leader.entries(61 + k, 62 + k, Infinity)[0])).toBe(true));
  });

  it('a power cut at any point of an install leaves the old log or the snapshot, never a mix', () => {
    const leader = leaderWithSnapshot(new FaultFileSystem(), 100, 60);
    const snap = leader.snapshot()!;
    for (let n = 0; n < 25; n++) {
      const fs = new CuttableFs();
      const f = openTest(fs, small);
      f.append(makeEntries(1, 40, 1, 400));
      f.sync();
      fs.arm(n);
      let done = true;
      try {
        f.installSnapshot(snap);
      } catch (err) {
        if (!(err instanceof Error && err.cause instanceof PowerCut)) throw err;
        done = false;
      }
      fs.disarm();
      fs.crash({ tearLast: true, random: seededRandom(n) });
      const r = openTest(fs, small);
      expect(r.status().corrupt).toBe(false);
      const installed = r.snapshot()?.meta.index === 60;
      if (done) expect(installed).toBe(true);
      if (installed) {
        expect(r.firstIndex()).toBe(61);
        expect(r.lastIndex()).toBe(60);
        r.append(leader.entries(61, 70, Infinity));
        expect(r.location(65)).toEqual(leader.location(65));
      } else {
        expect(r.firstIndex()).toBe(1);
        expect(r.lastIndex()).toBe(40);
      }
      expect(r.verifyAll().ok).toBe(true);
    }
  });
});
