import v8 from 'node:v8';
import vm from 'node:vm';
import { EntryType, type Entry } from '@ledgermq/raft';
import { describe, expect, it } from 'vitest';
import { EntryCache } from './entry-cache.ts';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const entry = (index: number, bytes: number): Entry => ({ index, term: 1, type: EntryType.Normal, data: new Uint8Array(bytes) });

describe('EntryCache', () => {
  it('keeps the newest entries within its byte bound', () => {
    const cache = new EntryCache(10_000);
    for (let i = 1; i <= 50; i++) cache.push(entry(i, 1000));
    expect(cache.size()).toBe(10);
    expect(cache.firstIndex()).toBe(41);
    expect(cache.has(40)).toBe(false);
    expect(cache.get(50).index).toBe(50);
    cache.truncateFrom(48);
    expect(cache.size()).toBe(7);
    cache.dropBelow(45);
    expect([cache.firstIndex(), cache.size()]).toEqual([45, 3]);
  });

  it('lets evicted entries be collected at once, not at the next compaction', async () => {
    const cache = new EntryCache(4 * 1024);
    const refs: WeakRef<Uint8Array>[] = [];
    // Far fewer evictions than the compaction threshold, so only the eviction itself can release them.
    for (let i = 1; i <= 100; i++) {
      const e = entry(i, 1024);
      refs.push(new WeakRef(e.data));
      cache.push(e);
    }
    await new Promise((r) => setImmediate(r)); // WeakRefs made in this job stay alive until it ends
    gc();
    const alive = refs.map((r, i) => (r.deref() === undefined ? null : i + 1)).filter((i) => i !== null);
    expect(alive).toEqual([97, 98, 99, 100]);
  });
});
