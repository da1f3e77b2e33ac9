import { describe, expect, it } from 'vitest';
import { failureCausesMax } from './constants.ts';
import { failureCause, FailureCounts, openLoop } from './open-loop.ts';

class CodedError extends Error {
  constructor(
    name: string,
    readonly code: number | string,
  ) {
    super(`${name} ${code}`);
    this.name = name;
  }
}

describe('failureCause', () => {
  it('names an error by its name and code, or its name alone', () => {
    expect(failureCause(new CodedError('TooManyRequestsException', 42900))).toBe('TooManyRequestsException 42900');
    expect(failureCause(new CodedError('Error', 'ECONNRESET'))).toBe('Error ECONNRESET');
    expect(failureCause(new TypeError('x'))).toBe('TypeError');
    expect(failureCause('a string')).toBe('string');
    expect(failureCause(undefined)).toBe('undefined');
  });
});

describe('FailureCounts', () => {
  it('counts by cause, most frequent first', () => {
    const f = new FailureCounts();
    for (let i = 0; i < 3; i++) f.add(new CodedError('TooManyRequestsException', 42900));
    f.add(new TypeError('x'));
    expect(f.total).toBe(4);
    expect(f.sorted()).toEqual([['TooManyRequestsException 42900', 3], ['TypeError', 1]]);
    expect(f.toString()).toBe('4 (TooManyRequestsException 42900: 3, TypeError: 1)');
    expect(new FailureCounts().toString()).toBe('0');
  });

  it('tells apart at most failureCausesMax causes and counts the rest as other', () => {
    const f = new FailureCounts();
    const causes = failureCausesMax + 5;
    for (let i = 0; i < causes; i++) f.add(new CodedError('E', i));
    f.add(new CodedError('E', 0)); // a cause already known keeps its own count
    const sorted = f.sorted();
    expect(f.total).toBe(causes + 1);
    expect(sorted.length).toBe(failureCausesMax + 1);
    expect(sorted[0]).toEqual(['other', 5]);
    expect(Object.fromEntries(sorted)['E 0']).toBe(2);
    expect(sorted.reduce((n, [, c]) => n + c, 0)).toBe(f.total);
  });
});

describe('openLoop', () => {
  it('reports failures by cause and keeps their latencies out of the quantiles', async () => {
    let i = 0;
    const r = await openLoop(async () => {
      const n = i++;
      if (n % 4 === 3) throw new CodedError('TooManyRequestsException', 42900);
      if (n === 0) throw new TypeError('first');
    }, 400, 0.1);
    expect(i).toBe(40);
    expect(r.failures.total).toBe(11);
    expect(r.failures.sorted()).toEqual([['TooManyRequestsException 42900', 10], ['TypeError', 1]]);
    expect(String(r.failures)).toBe('11 (TooManyRequestsException 42900: 10, TypeError: 1)');
    expect(Number.isFinite(r.p50)).toBe(true);
    expect(r.succeededPerS / r.achieved).toBeCloseTo(29 / 40, 6);
  });
});
