import { describe, expect, it } from 'vitest';
import { readRunBytesMax, readWindowBytes } from './constants.ts';
import { CorruptEntryError } from './errors.ts';
import { FaultFileSystem } from './fs/fault-file-system.ts';
import { makeEntry, openTest, sameEntry } from './test-helpers.ts';

// entries() and readEntry() read through reused buffers and copy each entry out: what they
// handed out earlier must not change when later reads reuse the buffer, and every entry is
// still checked against its CRCs, whether it came from a shared read or one of its own.

const segmentBytes = 4 * readRunBytesMax;
const sizeOf = (i: number): number => (i % 9 === 0 ? readRunBytesMax + 1000 : i % 5 === 0 ? readWindowBytes + 100 : 40 + ((i * 97) % 3000));

function written(fs: FaultFileSystem, count: number) {
  const l = openTest(fs, { segmentBytes, entryCacheBytesMax: 0, entryBytesMax: 2 * readRunBytesMax });
  for (let i = 1; i <= count; i++) l.append([makeEntry(i, 1, sizeOf(i))]);
  l.sync();
  return l;
}

describe('reads through reused buffers', () => {
  it('hands out entries that later reads do not overwrite, across runs, segments and large entries', () => {
    const fs = new FaultFileSystem();
    const l = written(fs, 60);
    const held = [];
    // Bounded: 60 entries in steps of 7.
    for (let i = 1; i <= 60; i += 7) held.push(...l.entries(i, Math.min(61, i + 7), Infinity));
    const single = [5, 1, 9, 2, 3, 40, 18, 41, 42].map((i) => l.readEntry(i).entry);
    for (const e of l.entries(1, 61, Infinity)) expect(sameEntry(e, makeEntry(e.index, 1, sizeOf(e.index)))).toBe(true);
    expect(held.length).toBe(60);
    for (const e of held) expect(sameEntry(e, makeEntry(e.index, 1, sizeOf(e.index))), `entry ${e.index}`).toBe(true);
    for (const e of single) expect(sameEntry(e, makeEntry(e.index, 1, sizeOf(e.index))), `entry ${e.index}`).toBe(true);
    expect(l.status().segments).toBeGreaterThan(2);
    l.close();
  });

  it('still finds a damaged body in a shared read, in a large entry and through the read-ahead window', () => {
    for (const victim of [3, 9, 10]) {
      const fs = new FaultFileSystem();
      const l = written(fs, 30);
      const loc = l.location(victim);
      l.close();
      const seg = fs.readdir('/data/n1/segments').sort().find((n, k, all) => Number(n) <= loc.pos && (k === all.length - 1 || Number(all[k + 1]) > loc.pos))!;
      fs.corrupt(`/data/n1/segments/${seg}`, loc.pos - Number(seg) + loc.size - 1);
      const r = openTest(fs, { segmentBytes, entryCacheBytesMax: 0, entryBytesMax: 2 * readRunBytesMax });
      expect(() => r.entries(1, 31, Infinity), `entry ${victim}`).toThrow(CorruptEntryError);
      expect(() => r.readEntry(victim), `entry ${victim}`).toThrow(CorruptEntryError);
      expect(sameEntry(r.readEntry(victim - 1).entry, makeEntry(victim - 1, 1, sizeOf(victim - 1)))).toBe(true);
      r.close();
    }
  });
});
