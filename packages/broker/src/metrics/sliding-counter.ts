// A count kept in fixed time slots over a ring (slot = one second, ten minutes, ...): adding is
// two array writes, a window sum reads at most `slots` cells. A slot remembers which slot number
// it holds, so a slot left over from an earlier lap of the ring is never counted.

import { assert } from '../assert.ts';

export class SlidingCounter {
  private readonly counts: Float64Array;
  private readonly slotOf: Float64Array;
  total = 0;

  constructor(readonly slotMs: number, readonly slots: number) {
    assert(Number.isSafeInteger(slotMs) && slotMs > 0, 'slot length > 0 ms');
    assert(Number.isSafeInteger(slots) && slots > 1, 'at least two slots');
    this.counts = new Float64Array(slots);
    this.slotOf = new Float64Array(slots).fill(-1);
  }

  add(n: number, nowMs: number): void {
    const s = Math.floor(nowMs / this.slotMs);
    const at = s % this.slots;
    if (this.slotOf[at] !== s) {
      this.slotOf[at] = s;
      this.counts[at] = 0;
    }
    this.counts[at] += n;
    this.total += n;
  }

  /** Sum over the `window` slots before the current one (complete slots only). */
  sumComplete(window: number, nowMs: number): number {
    assert(window >= 1 && window < this.slots, 'window fits the ring');
    const now = Math.floor(nowMs / this.slotMs);
    return this.sumSlots(now - window, now);
  }

  /** Sum over the current slot and the `window - 1` before it. */
  sumRecent(window: number, nowMs: number): number {
    assert(window >= 1 && window <= this.slots, 'window fits the ring');
    const now = Math.floor(nowMs / this.slotMs);
    return this.sumSlots(now - window + 1, now + 1);
  }

  private sumSlots(from: number, to: number): number {
    let sum = 0;
    for (let s = from; s < to; s++) {
      const at = ((s % this.slots) + this.slots) % this.slots;
      if (this.slotOf[at] === s) sum += this.counts[at]!;
    }
    return sum;
  }
}
