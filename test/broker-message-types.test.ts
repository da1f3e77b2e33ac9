// Black-box: a NameServer and a three-node broker group as real processes; the official
// RocketMQ 5 client sends and consumes every message type, talking to a follower (which
// forwards to the leader) as well as to the leader.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalCluster } from '@ledgermq/broker/local';
import { encodeCommand, CommandKind, groupConfig } from '@ledgermq/store';
import { tmpDir } from './support/tmp-dir.ts';
import { clientLog, ConsumeResult, producer, pushConsumer, receiveUntil, simpleConsumer, within } from './support/v2-client.ts';

const group = 'broker-a';

describe('message types through the official client', () => {
  let cluster: LocalCluster;
  let cleanup: () => void;
  let follower: string;
  let leaderEndpoint: string;

  beforeAll(async () => {
    const t = tmpDir('types');
    cleanup = t.cleanup;
    // transactionTimeout: long enough that the commit and rollback below (three sends and an empty
    // long poll later) always come before the first check, even on a loaded machine: with 2 s a
    // slow run had the rolled-back half checked (and committed by the checker) first.
    cluster = await LocalCluster.create({ dataDir: t.dir, ports: 'auto', segmentBytes: 4 * 1024 * 1024, extraProps: { transactionTimeout: '8000', transactionCheckInterval: '1000' } });
    cluster.startAll();
    const leader = await cluster.waitForLeader(group);
    const nodes = cluster.group(group);
    const endpoints = cluster.v2Endpoints(group);
    const li = nodes.findIndex((n) => n.id === leader.id);
    leaderEndpoint = endpoints[li]!;
    follower = endpoints[(li + 1) % endpoints.length]!;
  });

  afterAll(async () => {
    await cluster?.close();
    cleanup?.();
  });

  it('NORMAL: every message arrives once, with its tag, keys and properties, through a follower', async () => {
    const log = clientLog();
    const topic = 'NormalTopic';
    const p = await producer(follower, [topic], log);
    const sent = new Map<string, string>();
    for (let i = 0; i < 50; i++) {
      const r = await p.send({ topic, tag: i % 2 ? 'odd' : 'even', keys: [`key-${i}`], properties: new Map([['n', String(i)]]), body: Buffer.from(`normal ${i}`) });
      sent.set(r.messageId, `normal ${i}`);
    }
    const c = await simpleConsumer(leaderEndpoint, 'normal-all', { [topic]: '*' }, log);
    type Got = { id: string; body: string; tag: string; keys: string[]; n: string };
    const got = await receiveUntil<Got>(c, (g) => g.length >= sent.size, (m) => ({ id: m.messageId, body: m.body.toString(), tag: m.tag, keys: m.keys, n: m.properties.get('n') }), 30_000);
    expect(got.map((g) => g.id).sort()).toEqual([...sent.keys()].sort());
    for (const g of got) {
      expect(g.body).toBe(sent.get(g.id));
      expect(g.tag).toBe(Number(g.n) % 2 ? 'odd' : 'even');
      expect(g.keys).toEqual([`key-${g.n}`]);
    }
    // A tag filter on the broker: only the odd ones.
    const odd = await simpleConsumer(follower, 'normal-odd', { [topic]: 'odd' }, log);
    const gotOdd = await receiveUntil<string>(odd, (g) => g.length >= 25, (m) => m.tag, 30_000);
    expect(gotOdd).toHaveLength(25);
    expect(new Set(gotOdd)).toEqual(new Set(['odd']));
    await Promise.all([c.shutdown(), odd.shutdown(), p.shutdown()]);
  });

  it('FIFO: a FIFO group receives each message group in send order, the next only after the ack', async () => {
    const log = clientLog();
    const topic = 'FifoTopic';
    const consumerGroup = 'fifo-group';
    // Subscription groups are metadata in the log; mark this one FIFO.
    await cluster.broker((await cluster.waitForLeader(group)).id).admin.propose([Buffer.from(encodeCommand({ kind: CommandKind.GroupCreate, group: groupConfig(consumerGroup, { fifo: true }) }))]);
    const p = await producer(follower, [topic], log);
    const groups = ['a', 'b', 'c'];
    for (let i = 0; i < 60; i++) await p.send({ topic, messageGroup: groups[i % 3], body: Buffer.from(`${groups[i % 3]}:${i}`) });
    const c = await simpleConsumer(leaderEndpoint, consumerGroup, { [topic]: '*' }, log);
    const got = await receiveUntil<string>(c, (g) => g.length >= 60, (m) => m.body.toString(), 30_000);
    expect(got).toHaveLength(60);
    for (const g of groups) {
      const seq = got.filter((x) => x.startsWith(`${g}:`)).map((x) => Number(x.split(':')[1]));
      expect(seq).toEqual([...seq].sort((a, b) => a - b));
    }
    await Promise.all([c.shutdown(), p.shutdown()]);
  });

  it('DELAY: a message is delivered at its delivery time, not before', async () => {
    const log = clientLog();
    const topic = 'DelayTopic';
    const p = await producer(follower, [topic], log);
    const c = await simpleConsumer(leaderEndpoint, 'delay-group', { [topic]: '*' }, log);
    const sentAt = Date.now();
    const delayMs = 3_000;
    await p.send({ topic, body: Buffer.from('later'), deliveryTimestamp: new Date(sentAt + delayMs) });
    await p.send({ topic, body: Buffer.from('now') });
    const got = await receiveUntil<{ body: string; at: number }>(c, (g) => g.length >= 2, (m) => ({ body: m.body.toString(), at: Date.now() }), 20_000);
    expect(got.map((g) => g.body)).toEqual(['now', 'later']);
    const late = got[1]!.at - sentAt;
    expect(late).toBeGreaterThanOrEqual(delayMs);
    await Promise.all([c.shutdown(), p.shutdown()]);
  });

  it('TRANSACTION: commit delivers, rollback discards, an unresolved half is checked with the producer', async () => {
    const log = clientLog();
    const topic = 'TxTopic';
    const checked: string[] = [];
    const p = await producer(follower, [topic], log, {
      async check(m: unknown) {
        checked.push((m as { body: Buffer }).body.toString());
        return 1; // COMMIT
      },
    });
    const c = await simpleConsumer(leaderEndpoint, 'tx-group', { [topic]: '*' }, log);
    const t1 = p.beginTransaction();
    await p.send({ topic, body: Buffer.from('committed') }, t1);
    const t2 = p.beginTransaction();
    await p.send({ topic, body: Buffer.from('rolled-back') }, t2);
    const t3 = p.beginTransaction();
    await p.send({ topic, body: Buffer.from('checked') }, t3);
    // Invisible until committed.
    expect(await c.receive(8, 5_000)).toEqual([]);
    await t1.commit();
    await t2.rollback();
    const got = await receiveUntil<string>(c, (g) => g.length >= 2, (m) => m.body.toString(), 40_000);
    expect(got.sort()).toEqual(['checked', 'committed']);
    expect(checked).toContain('checked');
    expect(checked).not.toContain('committed');
    await Promise.all([c.shutdown(), p.shutdown()]);
  });

  it('PushConsumer: a failed delivery is redelivered; the rest arrive once', async () => {
    const log = clientLog();
    const topic = 'PushTopic';
    const p = await producer(follower, [topic], log);
    for (let i = 0; i < 20; i++) await p.send({ topic, body: Buffer.from(`push ${i}`) });
    const seen = new Map<string, number>();
    let failed = 0;
    const c = await pushConsumer(leaderEndpoint, 'push-group', { [topic]: '*' }, log, async (m) => {
      const b = m.body.toString();
      seen.set(b, (seen.get(b) ?? 0) + 1);
      if (b === 'push 7' && failed === 0) {
        failed += 1;
        return ConsumeResult.FAILURE; // redelivered
      }
      return ConsumeResult.SUCCESS;
    });
    const deadline = Date.now() + 30_000;
    while ((seen.size < 20 || (seen.get('push 7') ?? 0) < 2) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(seen.size).toBe(20);
    expect(seen.get('push 7')).toBe(2);
    expect([...seen].filter(([b, n]) => b !== 'push 7' && n !== 1)).toEqual([]);
    await Promise.all([c.shutdown(), p.shutdown()]);
  });

  it('refuses bad input with the right status code and stores nothing', async () => {
    const log = clientLog();
    const topic = 'NormalTopic';
    const p = await producer(follower, [topic], log);
    await expect(p.send({ topic, tag: 'a||b', body: Buffer.from('x') })).rejects.toThrow(/tag|40004/i);
    await expect(p.send({ topic, body: Buffer.alloc(0) })).rejects.toThrow();
    await within(p.shutdown(), 10_000, 'shutdown');
  });
});
