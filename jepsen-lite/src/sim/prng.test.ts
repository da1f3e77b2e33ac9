import { describe, expect, it } from 'vitest';
import { Prng } from './prng.ts';

describe('Prng', () => {
  it('is a pure function of its seed', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const xs = Array.from({ length: 100 }, () => a.nextU32());
    const ys = Array.from({ length: 100 }, () => b.nextU32());
    expect(xs).toEqual(ys);
  });

  it('differs between seeds, including seeds above 2^32', () => {
    const first = (seed: number) => new Prng(seed).nextU32();
    expect(first(1)).not.toBe(first(2));
    expect(first(0)).not.toBe(first(2 ** 32));
  });

  it('produces integers in range, covering every value', () => {
    const r = new Prng(7);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const v = r.int(3, 9);
      expect(v).toBeGreaterThanOrEqual(3);
      expect(v).toBeLessThanOrEqual(9);
      seen.add(v);
    }
    expect(seen.size).toBe(7);
  });

  it('floats are in [0,1) and roughly uniform', () => {
    const r = new Prng(99);
    let sum = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const f = r.float();
      expect(f >= 0 && f < 1).toBe(true);
      sum += f;
    }
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(0.02);
  });

  it('chance honours the probability', () => {
    const r = new Prng(5);
    let hits = 0;
    for (let i = 0; i < 10_000; i++) if (r.chance(0.25)) hits++;
    expect(hits).toBeGreaterThan(2200);
    expect(hits).toBeLessThan(2800);
    expect(r.chance(0)).toBe(false);
    expect(r.chance(1)).toBe(true);
  });

  it('forks are deterministic and independent of later parent draws', () => {
    const p1 = new Prng(11);
    const p2 = new Prng(11);
    const f1 = p1.fork();
    const f2 = p2.fork();
    p1.nextU32();
    expect(f1.nextU32()).toBe(f2.nextU32());
  });

  it('rejects bad arguments', () => {
    expect(() => new Prng(-1)).toThrow();
    expect(() => new Prng(1).int(5, 4)).toThrow();
    expect(() => new Prng(1).pick([])).toThrow();
  });
});
