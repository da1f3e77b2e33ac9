import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WakeTimer } from './wake-timer.ts';

describe('WakeTimer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  /** A timer whose rounds are recorded at the fake clock's time and ask for `next` each. */
  function recorder(next: () => number | null) {
    const at: number[] = [];
    const t = new WakeTimer(() => {
      at.push(Date.now());
      return next();
    }, () => Date.now());
    return { t, at };
  }

  it('runs nothing until woken, then reschedules itself as each round asks', () => {
    const asks = [50, 30, null];
    const { t, at } = recorder(() => asks.shift() ?? null);
    const t0 = Date.now();
    vi.advanceTimersByTime(1_000);
    expect(at).toEqual([]);
    t.wake(10);
    vi.advanceTimersByTime(1_000);
    expect(at.map((x) => x - t0)).toEqual([1_010, 1_060, 1_090]);
    vi.advanceTimersByTime(10_000);
    expect(at).toHaveLength(3); // the last round asked for nothing more
  });

  it('a wake pulls a later round earlier but never pushes an earlier one later', () => {
    const { t, at } = recorder(() => null);
    const t0 = Date.now();
    t.wake(500);
    t.wake(100); // earlier: replaces the 500 ms one
    t.wake(300); // later than the pending 100 ms: ignored
    vi.advanceTimersByTime(1_000);
    expect(at.map((x) => x - t0)).toEqual([100]);
  });

  it('stop ends the rounds, and later wakes do nothing', () => {
    const { t, at } = recorder(() => 10);
    t.wake(0);
    vi.advanceTimersByTime(35);
    const n = at.length;
    expect(n).toBeGreaterThanOrEqual(3);
    t.stop();
    t.wake(0);
    vi.advanceTimersByTime(1_000);
    expect(at).toHaveLength(n);
  });

  it('refuses a negative or non-finite delay', () => {
    const { t } = recorder(() => null);
    expect(() => t.wake(-1)).toThrow();
    expect(() => t.wake(Number.NaN)).toThrow();
  });
});
