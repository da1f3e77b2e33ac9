// The chaos scripts' send-gap client: sends one message at a time with the official client
// (rocketmq-client-nodejs) for a bounded time, and prints one JSON line: how many sends were
// acknowledged or failed, and the longest gap between two acknowledged sends (the time writes
// were unavailable to this client). Bounded in count, rate and time; asserts nothing. Once its
// producer is up (the measured time starts there) it writes `send-gap: started <epoch ms>` to stderr:
// lib.sh waits for that line before it counts the warm-up (starting the client takes seconds).
//
//   node --import tsx deploy/chaos/send-gap.ts --endpoint broker-n1:8082 --seconds 40 --rate 50

import { parseArgs } from 'node:util';
import { Producer } from 'rocketmq-client-nodejs';

const secondsMax = 600;
const rateMax = 1_000;
const sendTimeoutMs = 10_000;
const silent = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

export interface GapSummary {
  readonly endpoint: string;
  readonly topic: string;
  readonly sent: number;
  readonly acked: number;
  readonly failed: number;
  /** longest time between two acknowledged sends (or from the start to the first one) */
  readonly maxGapMs: number;
  /** wall clock (epoch ms) when that gap began and ended */
  readonly maxGapFromMs: number;
  readonly maxGapToMs: number;
  readonly startedMs: number;
  readonly endedMs: number;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)))]).finally(() => clearTimeout(t));
}

export async function measureSendGap(o: { endpoint: string; topic: string; seconds: number; rate: number; onStarted?: (startedMs: number) => void }): Promise<GapSummary> {
  if (!(o.seconds > 0 && o.seconds <= secondsMax)) throw new RangeError(`--seconds must be in (0, ${secondsMax}], got ${o.seconds}`);
  if (!(o.rate > 0 && o.rate <= rateMax)) throw new RangeError(`--rate must be in (0, ${rateMax}], got ${o.rate}`);
  const p = new Producer({ endpoints: o.endpoint, namespace: '', topics: [o.topic], logger: silent, requestTimeout: 3_000 } as never);
  await within(p.startup(), 30_000);
  const startedMs = Date.now();
  o.onStarted?.(startedMs);
  const endMs = startedMs + o.seconds * 1000;
  const intervalMs = 1000 / o.rate;
  const sendsMax = Math.ceil(o.seconds * o.rate) + 1;
  let sent = 0;
  let acked = 0;
  let failed = 0;
  let lastAckMs = startedMs;
  let gap = { ms: 0, from: startedMs, to: startedMs };
  try {
    for (let i = 0; i < sendsMax && Date.now() < endMs; i++) {
      const due = startedMs + i * intervalMs;
      if (due > Date.now()) await sleep(due - Date.now());
      sent++;
      try {
        await within(p.send({ topic: o.topic, body: Buffer.from(`gap-${startedMs}-${i}`) } as never), sendTimeoutMs);
        const now = Date.now();
        acked++;
        if (now - lastAckMs > gap.ms) gap = { ms: now - lastAckMs, from: lastAckMs, to: now };
        lastAckMs = now;
      } catch {
        failed++;
      }
    }
  } finally {
    await within(p.shutdown(), 5_000).catch(() => undefined);
  }
  const endedMs = Date.now();
  // No acknowledgement since the last one: the gap is still open at the end.
  if (endedMs - lastAckMs > gap.ms) gap = { ms: endedMs - lastAckMs, from: lastAckMs, to: endedMs };
  return { endpoint: o.endpoint, topic: o.topic, sent, acked, failed, maxGapMs: gap.ms, maxGapFromMs: gap.from, maxGapToMs: gap.to, startedMs, endedMs };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      endpoint: { type: 'string', default: '127.0.0.1:8081' },
      topic: { type: 'string', default: 'ChaosGapTopic' },
      seconds: { type: 'string', default: '40' },
      rate: { type: 'string', default: '50' },
    },
    strict: true,
  });
  const summary = await measureSendGap({ endpoint: values.endpoint!, topic: values.topic!, seconds: Number(values.seconds), rate: Number(values.rate), onStarted: (ms) => process.stderr.write(`send-gap: started ${ms}\n`) });
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  process.exit(0);
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  main().catch((err: unknown) => {
    process.stderr.write(`send-gap: ${(err as Error).message}\n`);
    process.exit(2);
  });
}
