import { describe, expect, it } from 'vitest';
import { ApplyResults } from './apply-results.ts';

const skipped = (index: number) => ({ type: 'skipped', index }) as const;

describe('ApplyResults', () => {
  it('keeps a result only when its index was expected, and hands it over once', () => {
    const r = new ApplyResults(8);
    r.expect(2);
    for (let i = 1; i <= 3; i++) r.record(skipped(i));
    expect(r.size).toBe(1);
    expect(r.take(1)).toBeUndefined();
    expect(r.take(2)).toEqual(skipped(2));
    expect(r.take(2)).toBeUndefined();
    expect(r.size).toBe(0);
  });

  it('is bounded: the oldest expected index is forgotten past capacity, and a result not taken is overwritten when the ring wraps', () => {
    const r = new ApplyResults(4);
    for (let i = 1; i <= 5; i++) r.expect(i); // 1 is forgotten
    for (let i = 1; i <= 5; i++) r.record(skipped(i));
    expect(r.take(1)).toBeUndefined();
    expect([2, 3, 4, 5].map((i) => r.take(i)?.index)).toEqual([2, 3, 4, 5]);
    for (let i = 6; i <= 10; i++) {
      r.expect(i);
      r.record(skipped(i));
    }
    expect(r.size).toBe(4);
    expect(r.take(6)).toBeUndefined(); // slot reused by 10
    expect(r.take(10)).toEqual(skipped(10));
  });
});
