// Black-box: namespaces and RocketMQ's delay levels through the official client, on a real
// NameServer + three-node group.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalCluster } from '@ledgermq/broker/local';
import { tmpDir } from './support/tmp-dir.ts';
import { clientLog, producer, receiveUntil, simpleConsumer } from './support/v2-client.ts';
import { RawV2 } from './support/v2-raw.ts';

const group = 'broker-a';

describe('namespaces and delay levels', () => {
  let cluster: LocalCluster;
  let cleanup: () => void;
  let endpoints: string[];

  beforeAll(async () => {
    const t = tmpDir('ns-delay');
    cleanup = t.cleanup;
    cluster = await LocalCluster.create({ dataDir: t.dir, ports: 'auto', segmentBytes: 4 * 1024 * 1024 });
    cluster.startAll();
    await cluster.waitForLeader(group, { timeoutMs: 60_000 });
    endpoints = cluster.v2Endpoints(group);
  }, 90_000);

  afterAll(async () => {
    await cluster?.close();
    cleanup?.();
  });

  it('two namespaces with the same topic and group names never see each other’s messages', async () => {
    const log = clientLog();
    const topic = 'SharedName';
    const p1 = await producer(endpoints[0]!, [topic], log, undefined, 'ns1');
    const p2 = await producer(endpoints[1]!, [topic], log, undefined, 'ns2');
    for (let i = 0; i < 10; i++) await p1.send({ topic, body: Buffer.from(`ns1-${i}`) });
    for (let i = 0; i < 5; i++) await p2.send({ topic, body: Buffer.from(`ns2-${i}`) });
    const c1 = await simpleConsumer(endpoints[2]!, 'SameGroup', { [topic]: '*' }, log, 'ns1');
    const c2 = await simpleConsumer(endpoints[0]!, 'SameGroup', { [topic]: '*' }, log, 'ns2');
    const got1 = await receiveUntil<{ body: string; topic: string }>(c1, (g) => g.length >= 10, (m) => ({ body: m.body.toString(), topic: m.topic }), 30_000);
    const got2 = await receiveUntil<{ body: string; topic: string }>(c2, (g) => g.length >= 5, (m) => ({ body: m.body.toString(), topic: m.topic }), 30_000);
    expect(got1.map((g) => g.body).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `ns1-${i}`).sort());
    expect(got2.map((g) => g.body).sort()).toEqual(Array.from({ length: 5 }, (_, i) => `ns2-${i}`).sort());
    // The client sees its own names.
    expect(new Set([...got1, ...got2].map((g) => g.topic))).toEqual(new Set([topic]));
    // Nothing more arrives for either (no cross-talk): one more empty poll each.
    expect(await c1.receive(32, 5_000)).toHaveLength(0);
    expect(await c2.receive(32, 5_000)).toHaveLength(0);
    // Stored as NS%T: a client without a namespace finds the route of ns1%SharedName, and not of SharedName.
    const raw = new RawV2(endpoints[0]!);
    const route = await raw.call<{ status: { code: number }; message_queues: unknown[] }>('QueryRoute', { topic: { name: `ns1%${topic}`, resource_namespace: '' }, endpoints: null });
    expect(route.status.code).toBe(20000);
    raw.close();
    await Promise.all([c1.shutdown(), c2.shutdown(), p1.shutdown(), p2.shutdown()]);
  }, 120_000);

  it('a NORMAL message with delay level 1 (DELAY property) arrives after 1 s and not before; level 0 at once', async () => {
    const log = clientLog();
    const topic = 'DelayLevelTopic';
    const p = await producer(endpoints[1]!, [topic], log);
    const c = await simpleConsumer(endpoints[2]!, 'delay-level', { [topic]: '*' }, log);
    const sentAt = new Map<string, number>();
    for (const [body, level] of [['now', '0'], ['later-a', '1'], ['later-b', '1']] as const) {
      sentAt.set(body, Date.now());
      await p.send({ topic, body: Buffer.from(body), properties: new Map([['DELAY', level]]) });
    }
    const got = await receiveUntil<{ body: string; at: number; delivery?: Date }>(c, (g) => g.length >= 3, (m) => ({ body: m.body.toString(), at: Date.now(), delivery: m.deliveryTimestamp }), 30_000);
    expect(got.map((g) => g.body).sort()).toEqual(['later-a', 'later-b', 'now']);
    for (const g of got) {
      const waited = g.at - sentAt.get(g.body)!;
      if (g.body === 'now') {
        expect(g.delivery).toBeUndefined();
      } else {
        // Due 1 s after the broker took it; the timer is precise to 100 ms.
        expect(waited).toBeGreaterThanOrEqual(1_000 - 100);
        expect(g.delivery).toBeInstanceOf(Date);
      }
    }
    await Promise.all([c.shutdown(), p.shutdown()]);
  }, 120_000);
});
