// Open-loop load at a fixed rate for the benchmarks: each operation is due at t0 + i / rate and
// its latency counts from when it was due, so a slow answer cannot hide by delaying the next
// send (coordinated omission). Between due times the caller sleeps on a timer: a loop that
// spins on setImmediate would take a whole core from the nodes it measures on a small machine.

export interface OpenLoopResult {
  readonly p50: number;
  readonly p99: number;
  /** Operations issued per second over the whole run, answers included. */
  readonly achieved: number;
  /** Operations that failed (their latency is not in the quantiles). */
  readonly failed: number;
}

export async function openLoop(op: () => Promise<unknown>, rate: number, seconds: number): Promise<OpenLoopResult> {
  if (!(rate > 0 && seconds > 0)) throw new Error(`openLoop: rate and seconds must be positive, got ${rate}, ${seconds}`);
  const total = Math.round(rate * seconds);
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  let failed = 0;
  const t0 = performance.now();
  for (let sent = 0; sent < total; ) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate) + 1);
    for (; sent < due; sent++) {
      const dueAt = t0 + (sent / rate) * 1000;
      pending.push(op().then(() => void latencies.push(performance.now() - dueAt), () => void failed++));
    }
    const nextDueAt = t0 + (sent / rate) * 1000;
    await new Promise((r) => setTimeout(r, Math.max(0, nextDueAt - performance.now())));
  }
  await Promise.all(pending);
  const elapsedS = (performance.now() - t0) / 1000;
  return { ...quantiles(latencies), achieved: total / elapsedS, failed };
}

/** p50 and p99 of the samples (NaN when there are none); sorts `xs` in place. */
export function quantiles(xs: number[]): { p50: number; p99: number } {
  xs.sort((a, b) => a - b);
  const q = (f: number) => xs[Math.min(xs.length - 1, Math.floor(f * xs.length))] ?? NaN;
  return { p50: q(0.5), p99: q(0.99) };
}
