// Reconnect delays: exponential from initial to max, jittered so peers that lost each other
// at the same moment do not retry in lock step.

import { assert } from './assert.ts';

/** Delay before reconnect attempt `attempt` (0-based): uniform in [d/2, d] where d = min(max, initial * 2^attempt). */
export function backoffDelayMs(attempt: number, initialMs: number, maxMs: number, random: () => number): number {
  assert(Number.isInteger(attempt) && attempt >= 0, 'attempt is a non-negative integer');
  assert(initialMs > 0 && maxMs >= initialMs, 'backoff bounds are ordered');
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  const r = random();
  assert(r >= 0 && r < 1, 'random() returns a value in [0, 1)');
  return Math.round(ceiling / 2 + (r * ceiling) / 2);
}
