// Receive load: draining a backlog (official SimpleConsumer and raw client), end-to-end latency
// and DELAY precision, the last two through one arrival log.

import { SimpleConsumer, type Producer } from 'rocketmq-client-nodejs';
import { quantiles } from '@ledgermq/raft-node';
import type { LocalCluster } from '../src/local/local-cluster.ts';
import { silent } from './bench-common.ts';
import { leaderEndpoint } from './cluster-probes.ts';
import { rawAck, rawClient, rawReceive } from './raw-client.ts';

export async function drain(endpoint: string, topic: string, total: number): Promise<number> {
  const c = new SimpleConsumer({ endpoints: endpoint, namespace: '', consumerGroup: `bench-drain-${Date.now()}`, subscriptions: new Map([[topic, '*']]), logger: silent, awaitDuration: 2_000 } as never);
  await c.startup();
  const t0 = performance.now();
  const progress = new DrainProgress(total);
  const deadline = Date.now() + 600_000;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (progress.received < total && Date.now() < deadline) {
      const msgs = await c.receive(32, 30_000);
      progress.receivedMore(msgs.length);
      await Promise.all(msgs.map((m) => c.ack(m)));
      progress.ackedMore(msgs.length);
    }
  }));
  const rate = progress.rate(t0);
  await c.shutdown().catch(() => {});
  return rate;
}

/**
 * Receive+ack progress over a backlog. The drain ends when the last message's ack returns; the
 * other receivers are then long-polling an empty queue (up to 2 s) before they see it, and that
 * wait is not the broker's throughput, so the rate stops at the last ack.
 */
class DrainProgress {
  received = 0;
  private acked = 0;
  private doneAt: number | null = null;

  constructor(private readonly total: number) {}

  receivedMore(n: number): void {
    this.received += n;
  }

  ackedMore(n: number): void {
    this.acked += n;
    if (this.acked >= this.total && this.doneAt === null) this.doneAt = performance.now();
  }

  /** Acknowledged messages per second from `t0` to the last ack (or now, if it never came). */
  rate(t0: number): number {
    return this.acked / (((this.doneAt ?? performance.now()) - t0) / 1000);
  }
}

/** Receive+ack of a backlog through our raw v2 client, on the leader (batched acks). */
export async function rawDrain(cluster: LocalCluster, topic: string, total: number): Promise<number> {
  const c = rawClient(await leaderEndpoint(cluster));
  const groupName = `bench-raw-drain-${Date.now()}`;
  const t0 = performance.now();
  const progress = new DrainProgress(total);
  const deadline = Date.now() + 600_000;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (progress.received < total && Date.now() < deadline) {
      const msgs = await rawReceive(c, groupName, topic, 32);
      progress.receivedMore(msgs.length);
      if (msgs.length > 0) await rawAck(c, groupName, topic, msgs);
      progress.ackedMore(msgs.length);
    }
  }));
  const rate = progress.rate(t0);
  c.close();
  return rate;
}

/**
 * A SimpleConsumer of its own group on `topic` with four long polls at a time, and acks that do
 * not hold up the next poll (a receiver that acked each message before polling again would
 * measure its own acks, not the delivery). Records when each body first arrived, by `clock`.
 */
export async function arrivalLog(endpoint: string, topic: string, clock: () => number) {
  const c = new SimpleConsumer({ endpoints: endpoint, namespace: '', consumerGroup: `bench-${topic}-${Date.now()}`, subscriptions: new Map([[topic, '*']]), logger: silent, awaitDuration: 5_000 } as never);
  await c.startup();
  const got = new Map<string, number>();
  let want: readonly string[] | null = null;
  const acks: Promise<unknown>[] = [];
  const deadline = Date.now() + 120_000;
  const missing = () => want === null || want.some((b) => !got.has(b));
  const polling = Promise.all(Array.from({ length: 4 }, async () => {
    while (missing() && Date.now() < deadline) {
      for (const m of await c.receive(32, 30_000)) {
        const b = m.body.toString();
        if (!got.has(b)) got.set(b, clock());
        acks.push(c.ack(m).catch(() => {}));
      }
    }
  }));
  return {
    got,
    /** Waits until every body of `bodies` arrived (or the deadline), then stops the consumer. */
    async finish(bodies: readonly string[]): Promise<void> {
      want = bodies;
      await polling;
      await Promise.all(acks);
      await c.shutdown().catch(() => {});
    },
  };
}

export async function endToEnd(p: Producer, endpoint: string, body: Buffer): Promise<{ p50: number; p99: number }> {
  await p.send({ topic: 'E2eTopic', body: Buffer.from('create the topic') });
  const log = await arrivalLog(endpoint, 'E2eTopic', () => performance.now());
  const sentAt = new Map<string, number>();
  for (let i = 0; i < 500; i++) {
    const b = `e2e-${i}-${body.length}`;
    sentAt.set(b, performance.now());
    await p.send({ topic: 'E2eTopic', body: Buffer.from(b) }).catch(() => sentAt.delete(b));
    await new Promise((r) => setTimeout(r, 2));
  }
  await log.finish([...sentAt.keys()]);
  return quantiles([...sentAt].flatMap(([b, t]) => (log.got.has(b) ? [log.got.get(b)! - t] : [])));
}

/**
 * DELAY precision: 500 messages due 10 ms apart, from 2 s after the step starts; each one's
 * lateness is when it reached a consumer minus its delivery time (one host, one wall clock).
 * Sends run 32 at a time, so every send is acknowledged well before its message is due.
 */
export async function delayLateness(p: Producer, endpoint: string): Promise<{ p50: number; p99: number; max: number; early: number; received: number; sent: number; planned: number }> {
  const topic = 'DelayBenchTopic';
  await p.send({ topic, body: Buffer.from('create the topic') });
  const log = await arrivalLog(endpoint, topic, () => Date.now());
  const dueAt = new Map<string, number>();
  const first = Date.now() + 2_000;
  const count = 500;
  for (let i = 0; i < count; i++) dueAt.set(`delay-${i}`, first + i * 10);
  const queue = [...dueAt];
  await Promise.all(Array.from({ length: 32 }, async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const [b, at] = next;
      await p.send({ topic, body: Buffer.from(b), deliveryTimestamp: new Date(at) }).catch(() => dueAt.delete(b));
    }
  }));
  await log.finish([...dueAt.keys()]);
  const late = [...dueAt].flatMap(([b, at]) => (log.got.has(b) ? [log.got.get(b)! - at] : []));
  const { p50, p99 } = quantiles(late);
  // A send that failed is not waited for (and not counted as sent).
  return { p50, p99, max: late.length > 0 ? Math.max(...late) : NaN, early: late.filter((x) => x < 0).length, received: late.length, sent: dueAt.size, planned: count };
}
