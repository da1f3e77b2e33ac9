// The broker's wall clock: the one seam every wall-clock reading of the broker's services goes
// through (store and born timestamps, delay / timer release, transaction timeouts, receipt
// invisibility, offset look-ups by time). In production it is Date.now().
//
// Test only (`testClockOffsetFile`, jepsen-lite's `clock-jump`): processes on one host share its
// clock, so a node's clock is moved by an offset read from a small file the node polls. Raft
// is NOT behind this seam: its election and heartbeat timeouts count ticks of setInterval,
// which runs on the monotonic clock, so a wall-clock jump cannot start or stop an election.

import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { assert } from './assert.ts';
import { clockOffsetMsMax, clockOffsetPollMs } from './constants.ts';

export class WallClock {
  private offsetMs = 0;

  /** Milliseconds since the epoch as this node believes it. */
  readonly now = (): number => Date.now() + this.offsetMs;

  get offset(): number {
    return this.offsetMs;
  }

  setOffset(ms: number): void {
    assert(Number.isSafeInteger(ms) && Math.abs(ms) <= clockOffsetMsMax, `clock offset ${ms} ms outside ±${clockOffsetMsMax} ms`);
    this.offsetMs = ms;
  }
}

/**
 * Parses the offset file: one integer (ms, may be negative), surrounding whitespace allowed.
 * Returns an error text for anything else.
 */
export function parseClockOffset(text: string): number | string {
  const t = text.trim();
  if (t === '') return 0;
  if (!/^[+-]?\d+$/.test(t)) return `not an integer number of milliseconds: "${t.slice(0, 40)}"`;
  const n = Number(t);
  if (!Number.isSafeInteger(n) || Math.abs(n) > clockOffsetMsMax) return `offset ${t} ms outside ±${clockOffsetMsMax} ms`;
  return n;
}

/** Keeps `clock`'s offset equal to the file's (missing file = 0); returns a stop function. */
export function watchClockOffsetFile(clock: WallClock, file: string, log: Logger): () => void {
  let lastError = '';
  const poll = () => {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return report(`cannot read ${file}: ${(err as Error).message}`);
    }
    const v = parseClockOffset(text);
    if (typeof v === 'string') return report(`${file}: ${v} (offset kept at ${clock.offset} ms)`);
    lastError = '';
    if (v !== clock.offset) {
      log.warn({ fromMs: clock.offset, toMs: v }, 'test clock offset changed (testClockOffsetFile)');
      clock.setOffset(v);
    }
  };
  const report = (msg: string) => {
    if (msg !== lastError) log.error(msg);
    lastError = msg;
  };
  poll();
  const timer = setInterval(poll, clockOffsetPollMs);
  timer.unref();
  return () => clearInterval(timer);
}
