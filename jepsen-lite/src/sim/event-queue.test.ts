import { describe, expect, it } from 'vitest';
import { EventQueue } from './event-queue.ts';
import { Prng } from './prng.ts';

describe('EventQueue', () => {
  it('pops in time order, FIFO among equal times', () => {
    const q = new EventQueue<string>();
    q.push(5, 'a');
    q.push(1, 'b');
    q.push(5, 'c');
    q.push(0, 'd');
    q.push(1, 'e');
    const out: string[] = [];
    for (let e = q.pop(); e !== undefined; e = q.pop()) out.push(e.item);
    expect(out).toEqual(['d', 'b', 'e', 'a', 'c']);
    expect(q.size).toBe(0);
  });

  it('matches a sort on random input', () => {
    const r = new Prng(3);
    const q = new EventQueue<number>();
    const ref: { at: number; i: number }[] = [];
    for (let i = 0; i < 500; i++) {
      const at = r.int(0, 50);
      q.push(at, i);
      ref.push({ at, i });
    }
    ref.sort((x, y) => x.at - y.at || x.i - y.i);
    expect(q.peekAt()).toBe(ref[0]?.at);
    const out: number[] = [];
    for (let e = q.pop(); e !== undefined; e = q.pop()) out.push(e.item);
    expect(out).toEqual(ref.map((x) => x.i));
  });

  it('rejects non-integer or negative times', () => {
    const q = new EventQueue<number>();
    expect(() => q.push(1.5, 1)).toThrow();
    expect(() => q.push(-1, 1)).toThrow();
  });
});
