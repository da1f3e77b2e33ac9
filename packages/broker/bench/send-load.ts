// Send load: the official client closed loop, our raw client's batched requests, a flood of
// single-message sends, and the backlog fill.

import type { Producer } from 'rocketmq-client-nodejs';
import { FailureCounts, openLoop } from '@ledgermq/raft-node';
import { rawClient, rawMessages, rawSend, rawSendOne } from './raw-client.ts';

/** Official-client sends, `inflight` at a time, for `seconds`: the rate, and the sends that failed after the client's retries, by cause. */
export async function sendFor(p: Producer, topic: string, body: Buffer, inflight: number, seconds: number): Promise<{ rate: number; failures: FailureCounts }> {
  const endAt = Date.now() + seconds * 1000;
  const t0 = performance.now();
  let done = 0;
  const failures = new FailureCounts();
  await Promise.all(Array.from({ length: inflight }, async () => {
    while (Date.now() < endAt) {
      try {
        await p.send({ topic, body });
        done++;
      } catch (err) {
        failures.add(err);
      }
    }
  }));
  return { rate: done / ((performance.now() - t0) / 1000), failures };
}

export async function batchedFor(endpoint: string, body: Buffer, seconds: number): Promise<number> {
  const c = rawClient(endpoint);
  const endAt = Date.now() + seconds * 1000;
  const t0 = performance.now();
  let done = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (Date.now() < endAt) {
      // Not `done += await …`: that reads `done` before the await and loses the other lanes' counts.
      const n = await rawSend(c, rawMessages('BatchTopic', body, 64));
      done += n;
    }
  }));
  c.close();
  return done / ((performance.now() - t0) / 1000);
}

export const floodRate = 5_000;
export const floodConnections = 16;

/** Single-message sends at floodRate, open loop, spread over floodConnections connections of their own. */
export async function flood(endpoint: string, body: Buffer, seconds: number): Promise<Awaited<ReturnType<typeof openLoop>>> {
  const clients = Array.from({ length: floodConnections }, () => rawClient(endpoint, true));
  let next = 0;
  try {
    return await openLoop(() => rawSendOne(clients[next++ % clients.length]!, rawMessages('FloodTopic', body, 1)[0]), floodRate, seconds);
  } finally {
    for (const c of clients) c.close();
  }
}

export async function fill(endpoint: string, topic: string, body: Buffer, total: number): Promise<void> {
  const c = rawClient(endpoint);
  let left = total;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (left > 0) {
      const n = Math.min(64, left);
      left -= n;
      const ok = await rawSend(c, rawMessages(topic, body, n));
      if (ok !== n) throw new Error(`backlog fill: ${n - ok} sends refused`);
    }
  }));
  c.close();
}
