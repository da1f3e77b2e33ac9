// One timer that can be pulled earlier: runs a round when the round itself asked to be run
// again, or sooner when someone wakes it. The timer service's rounds go through it instead of
// a fixed 20 ms interval, so a follower and an idle leader sleep: every wake-up of an idle
// process costs 0.17-0.26 ms of CPU on the 2-core VMs this is measured on (a 20 ms interval
// alone was 50 of a node's ~200 idle wake-ups a second).

import { assert } from '../assert.ts';

/** A round: returns the ms until it wants to run again, or null to run only when woken. */
export type Round = () => number | null;

export class WakeTimer {
  private timer: NodeJS.Timeout | null = null;
  /** nowMs() at which the pending timer fires (Infinity: none). */
  private atMs = Infinity;
  private stopped = false;

  /** `round` must not throw (it would end the rounds): it catches and logs its own failures. */
  constructor(
    private readonly round: Round,
    private readonly nowMs: () => number = () => performance.now(),
  ) {}

  /** Runs a round within `inMs` (sooner if one is already due sooner). */
  wake(inMs: number): void {
    assert(Number.isFinite(inMs) && inMs >= 0, `wake in ${inMs} ms`);
    if (this.stopped) return;
    const at = this.nowMs() + inMs;
    if (at >= this.atMs) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.atMs = at;
    this.timer = setTimeout(() => this.fire(), inMs);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.atMs = Infinity;
  }

  private fire(): void {
    this.timer = null;
    this.atMs = Infinity;
    if (this.stopped) return;
    const next = this.round();
    if (next !== null) this.wake(Math.max(0, next));
  }
}
