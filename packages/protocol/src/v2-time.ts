// google.protobuf.Duration / Timestamp <-> milliseconds (int64 seconds arrive as strings).

import { assert } from './assert.ts';
import { InvalidFieldError } from './errors.ts';
import type { Duration, Int64, Timestamp } from './v2-types.ts';

const nanosPerMs = 1_000_000;

function seconds(value: Int64, field: string): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n)) throw new InvalidFieldError(field, `seconds "${value}" is not a safe integer`);
  return n;
}

/** Milliseconds of a Duration (sub-millisecond rest dropped); a missing one is `fallbackMs`. */
export function durationToMs(d: Duration | null | undefined, fallbackMs: number, field = 'duration'): number {
  if (d === null || d === undefined) return fallbackMs;
  const ms = seconds(d.seconds, field) * 1_000 + Math.trunc((d.nanos ?? 0) / nanosPerMs);
  if (ms < 0) throw new InvalidFieldError(field, `negative duration ${ms} ms`);
  return ms;
}

export function msToDuration(ms: number): Duration {
  assert(Number.isFinite(ms) && ms >= 0, `duration ${ms} ms`);
  const whole = Math.floor(ms);
  return { seconds: String(Math.floor(whole / 1_000)), nanos: (whole % 1_000) * nanosPerMs };
}

/** Milliseconds since the Unix epoch of a Timestamp; a missing one is `fallbackMs`. */
export function timestampToMs(t: Timestamp | null | undefined, fallbackMs: number, field = 'timestamp'): number {
  if (t === null || t === undefined) return fallbackMs;
  return seconds(t.seconds, field) * 1_000 + Math.trunc((t.nanos ?? 0) / nanosPerMs);
}

export function msToTimestamp(epochMs: number): Timestamp {
  assert(Number.isSafeInteger(epochMs), `timestamp ${epochMs} ms`);
  const secondsPart = Math.floor(epochMs / 1_000);
  return { seconds: String(secondsPart), nanos: (epochMs - secondsPart * 1_000) * nanosPerMs };
}
