// Open-loop load at a fixed rate for the benchmarks: each operation is due at t0 + i / rate and
// its latency counts from when it was due, so a slow answer cannot hide by delaying the next
// send (coordinated omission). Between due times the caller sleeps on a timer: a loop that
// spins on setImmediate would take a whole core from the nodes it measures on a small machine.

import { failureCausesMax } from './constants.ts';

export interface OpenLoopResult {
  readonly p50: number;
  readonly p99: number;
  /** Operations issued per second over the whole run, answers included. */
  readonly achieved: number;
  /** Operations that succeeded, per second over the whole run. */
  readonly succeededPerS: number;
  /** Operations that failed (their latency is not in the quantiles), by cause. */
  readonly failures: FailureSummary;
}

/** Failures counted by cause: how many, which, and one line for a report. */
export interface FailureSummary {
  readonly total: number;
  /** Causes with their counts, most frequent first. */
  sorted(): [cause: string, count: number][];
  /** "24139 (TooManyRequestsException 42900: 24000, Error 4: 139)", or "0". */
  toString(): string;
}

/**
 * A short name for why an operation failed: the error's name and its code when it has one
 * (a gRPC status number, or a RocketMQ response code such as 42900 from the official client).
 */
export function failureCause(err: unknown): string {
  if (!(err instanceof Error)) return typeof err;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'number' || typeof code === 'string' ? `${err.name} ${code}` : err.name;
}

/** Counts failures by cause, at most failureCausesMax causes plus 'other'. */
export class FailureCounts implements FailureSummary {
  private readonly counts = new Map<string, number>();
  private failed = 0;

  /** Failures counted, of every cause. */
  get total(): number {
    return this.failed;
  }

  add(err: unknown): void {
    this.failed++;
    const cause = failureCause(err);
    const key = this.counts.has(cause) || this.counts.size < failureCausesMax ? cause : 'other';
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  sorted(): [cause: string, count: number][] {
    return [...this.counts].sort((a, b) => b[1] - a[1]);
  }

  toString(): string {
    return this.failed === 0 ? '0' : `${this.failed} (${this.sorted().map(([c, n]) => `${c}: ${n}`).join(', ')})`;
  }
}

export async function openLoop(op: () => Promise<unknown>, rate: number, seconds: number): Promise<OpenLoopResult> {
  if (!(rate > 0 && seconds > 0)) throw new Error(`openLoop: rate and seconds must be positive, got ${rate}, ${seconds}`);
  const total = Math.round(rate * seconds);
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  const failures = new FailureCounts();
  const t0 = performance.now();
  for (let sent = 0; sent < total; ) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate) + 1);
    for (; sent < due; sent++) {
      const dueAt = t0 + (sent / rate) * 1000;
      pending.push(op().then(() => void latencies.push(performance.now() - dueAt), (err: unknown) => failures.add(err)));
    }
    const nextDueAt = t0 + (sent / rate) * 1000;
    await new Promise((r) => setTimeout(r, Math.max(0, nextDueAt - performance.now())));
  }
  await Promise.all(pending);
  const elapsedS = (performance.now() - t0) / 1000;
  return { ...quantiles(latencies), achieved: total / elapsedS, succeededPerS: latencies.length / elapsedS, failures };
}

/** p50 and p99 of the samples (NaN when there are none); sorts `xs` in place. */
export function quantiles(xs: number[]): { p50: number; p99: number } {
  xs.sort((a, b) => a - b);
  const q = (f: number) => xs[Math.min(xs.length - 1, Math.floor(f * xs.length))] ?? NaN;
  return { p50: q(0.5), p99: q(0.99) };
}
