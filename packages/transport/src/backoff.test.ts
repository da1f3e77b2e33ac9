import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from './backoff.ts';

describe('backoffDelayMs', () => {
  it('doubles from initial to max, within the jitter band', () => {
    const low = (attempt: number) => backoffDelayMs(attempt, 50, 2_000, () => 0);
    const high = (attempt: number) => backoffDelayMs(attempt, 50, 2_000, () => 0.999_999);
    expect([0, 1, 2, 3, 4, 5, 6, 100].map(high)).toEqual([50, 100, 200, 400, 800, 1_600, 2_000, 2_000]);
    expect([0, 1, 6].map(low)).toEqual([25, 50, 1_000]);
  });

  it('rejects a random source outside [0, 1)', () => {
    expect(() => backoffDelayMs(0, 50, 2_000, () => 1)).toThrow(/random/);
  });
});
