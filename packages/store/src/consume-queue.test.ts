import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cqTailRecordsMax } from './constants.ts';
import { ConsumeQueue, queueDir } from './consume-queue.ts';
import { tagHash } from './cq-record.ts';
import { DirtyFiles } from './dirty-files.ts';
import { CorruptStoreError } from './errors.ts';
import { tempDir } from './test-helpers.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function setup(perFile = 4) {
  const t = tempDir('cq');
  cleanups.push(t.cleanup);
  const opts = { rootDir: path.join(t.dir, 'consumequeue'), topic: 'T', queueId: 1, recordsPerFile: perFile, files: new DirtyFiles() };
  return { opts, dir: queueDir(opts.rootDir, 'T', 1) };
}

const rec = (k: number) => ({ physicalOffset: 1000 + k * 100, size: 50 + k, tagHash: tagHash(k % 2 === 0 ? 'even' : 'odd') });

describe('ConsumeQueue', () => {
  it('appends fixed 20-byte records, rolls files every N records and reads across them', () => {
    const { opts, dir } = setup(4);
    const q = ConsumeQueue.create(opts, 0);
    expect(q.append([rec(0), rec(1), rec(2)])).toBe(0);
    expect(q.append([rec(3), rec(4), rec(5), rec(6), rec(7), rec(8)])).toBe(3);
    // Full files went out at their boundary; record 8 is still in the in-memory tail.
    expect(readdirSync(dir).sort()).toEqual(['00000000000000000000', '00000000000000000004']);
    q.writeOut();
    expect(readdirSync(dir).sort()).toEqual(['00000000000000000000', '00000000000000000004', '00000000000000000008']);
    expect(statSync(path.join(dir, '00000000000000000004')).size).toBe(80);
    expect(q.read(2, 5)).toEqual([2, 3, 4, 5, 6].map(rec));
    expect(q.read(7, 100)).toEqual([rec(7), rec(8)]);
    expect(q.state()).toEqual({ minOffset: 0, nextOffset: 9 });
    expect(() => q.read(9, 1)).toThrow(/outside/);
    q.close();
  });

  it('serves reads across file and in-memory tail, and writes the tail out when it fills', () => {
    const { opts, dir } = setup(10_000);
    const q = ConsumeQueue.create(opts, 0);
    const file = path.join(dir, '00000000000000000000');
    for (let k = 0; k < cqTailRecordsMax; k++) q.appendRecord(rec(k).physicalOffset, rec(k).size, rec(k).tagHash);
    // Nothing written yet: the whole tail is in memory, and reads see it.
    expect(existsSync(file)).toBe(false);
    expect(q.read(cqTailRecordsMax - 2, 5)).toEqual([rec(cqTailRecordsMax - 2), rec(cqTailRecordsMax - 1)]);
    // The next append finds the tail full: one write of the whole tail, then a fresh tail.
    q.appendRecord(rec(cqTailRecordsMax).physicalOffset, rec(cqTailRecordsMax).size, rec(cqTailRecordsMax).tagHash);
    expect(statSync(file).size).toBe(cqTailRecordsMax * 20);
    // A range straddling the file and the tail comes back whole and in order.
    expect(q.read(cqTailRecordsMax - 3, 10)).toEqual([-3, -2, -1, 0].map((d) => rec(cqTailRecordsMax + d)));
    expect(q.readRecords(0, 2).length).toBe(40);
    q.writeOut();
    expect(statSync(file).size).toBe((cqTailRecordsMax + 1) * 20);
    q.close();
  });

  it('binary-searches a monotone predicate', () => {
    const { opts } = setup(3);
    const q = ConsumeQueue.create(opts, 0);
    q.append(Array.from({ length: 10 }, (_, k) => rec(k)));
    expect(q.lowerBound((_, r) => r.physicalOffset >= 1450)).toBe(5);
    expect(q.lowerBound(() => true)).toBe(0);
    expect(q.lowerBound(() => false)).toBe(10);
    q.close();
  });

  it('recovers to a checkpoint: cuts records and files past it, keeps those before', () => {
    const { opts, dir } = setup(4);
    const q = ConsumeQueue.create(opts, 0);
    q.append(Array.from({ length: 11 }, (_, k) => rec(k)));
    q.close();
    const r = ConsumeQueue.recover(opts, { minOffset: 0, nextOffset: 6 });
    expect(readdirSync(dir).sort()).toEqual(['00000000000000000000', '00000000000000000004']);
    expect(statSync(path.join(dir, '00000000000000000004')).size).toBe(40);
    expect(r.read(0, 10)).toEqual([0, 1, 2, 3, 4, 5].map(rec));
    // Replay re-creates the same records at the same offsets.
    expect(r.append([rec(6)])).toBe(6);
    r.close();
    const exact = ConsumeQueue.recover(opts, { minOffset: 0, nextOffset: 4 });
    expect(readdirSync(dir).sort()).toEqual(['00000000000000000000']);
    exact.close();
  });

  it('refuses a checkpoint its files cannot satisfy', () => {
    const { opts } = setup(4);
    const q = ConsumeQueue.create(opts, 0);
    q.append([rec(0), rec(1)]);
    q.close();
    expect(() => ConsumeQueue.recover(opts, { minOffset: 0, nextOffset: 3 })).toThrow(CorruptStoreError);
  });

  it('retires records below a minimum and deletes files wholly below it', () => {
    const { opts, dir } = setup(4);
    const q = ConsumeQueue.create(opts, 0);
    q.append(Array.from({ length: 10 }, (_, k) => rec(k)));
    q.retireBefore(5);
    expect(q.minOffset()).toBe(5);
    expect(readdirSync(dir).sort()).toEqual(['00000000000000000004', '00000000000000000008']);
    expect(() => q.read(4, 1)).toThrow(/outside/);
    expect(q.read(5, 1)).toEqual([rec(5)]);
    q.retireBefore(2); // never lowers
    expect(q.minOffset()).toBe(5);
    q.close();
    // Retention deleted files but crashed before its checkpoint raised the minimum.
    const r = ConsumeQueue.recover(opts, { minOffset: 0, nextOffset: 10 });
    expect(r.minOffset()).toBe(4);
    r.close();
  });

  it('starts mid-file after a restore, leaving a hole that is never read', () => {
    const { opts, dir } = setup(4);
    const q = ConsumeQueue.create(opts, 6);
    expect(q.append([rec(6), rec(7), rec(8)])).toBe(6);
    expect(q.read(6, 3)).toEqual([rec(6), rec(7), rec(8)]);
    q.writeOut();
    expect(readdirSync(dir).sort()).toEqual(['00000000000000000004', '00000000000000000008']);
    q.close();
    const r = ConsumeQueue.recover(opts, { minOffset: 6, nextOffset: 8 });
    expect(r.read(6, 10)).toEqual([rec(6), rec(7)]);
    r.close();
  });
});
