// Black-box: consumption semantics and limits on a real three-node group, with the official
// client (and a raw v2 client where a misbehaving client is the point).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code } from '@ledgermq/protocol';
import { LocalCluster } from '@ledgermq/broker/local';
import { CommandKind, encodeCommand, groupConfig } from '@ledgermq/store';
import { tmpDir } from './support/tmp-dir.ts';
import { clientLog, producer, receiveUntil, simpleConsumer } from './support/v2-client.ts';
import { RawV2 } from './support/v2-raw.ts';

const group = 'broker-a';

describe('consumption semantics and limits', () => {
  let cluster: LocalCluster;
  let cleanup: () => void;
  let endpoints: string[];
  let raw: RawV2;

  beforeAll(async () => {
    const t = tmpDir('consume');
    cleanup = t.cleanup;
    cluster = await LocalCluster.create({ dataDir: t.dir, ports: 'auto', segmentBytes: 16 * 1024 * 1024 });
    cluster.startAll();
    await cluster.waitForLeader(group);
    endpoints = cluster.v2Endpoints(group);
    raw = new RawV2(endpoints[1]!);
  });

  afterAll(async () => {
    raw?.close();
    await cluster?.close();
    cleanup?.();
  });

  const createGroup = async (name: string, extra: Parameters<typeof groupConfig>[1]) => {
    const leader = await cluster.waitForLeader(group);
    await cluster.broker(leader.id).admin.propose([Buffer.from(encodeCommand({ kind: CommandKind.GroupCreate, group: groupConfig(name, extra) }))]);
  };

  it('a retried send with the same message id is stored once and answers the same offset', async () => {
    const first = await raw.send('DedupTopic', 'DEDUP-ID-1', Buffer.from('once'));
    expect(first.entries[0]!.status.code).toBe(Code.OK);
    const again = await new RawV2(endpoints[2]!).send('DedupTopic', 'DEDUP-ID-1', Buffer.from('once'));
    expect(again.entries[0]).toMatchObject({ message_id: 'DEDUP-ID-1', offset: first.entries[0]!.offset });
    const log = clientLog();
    const c = await simpleConsumer(endpoints[0]!, 'dedup-g', { DedupTopic: '*' }, log);
    const got = await receiveUntil<string>(c, () => false, (m) => m.messageId, 4_000);
    expect(got).toEqual(['DEDUP-ID-1']);
    await c.shutdown();
  });

  it('refuses oversized bodies (41301), bad tags (40004) and foreign receipt handles (40013); stores nothing', async () => {
    const big = await raw.send('LimitTopic', 'BIG-1', Buffer.alloc(4 * 1024 * 1024 + 1, 1));
    expect(big.entries[0]!.status.code).toBe(Code.MESSAGE_BODY_TOO_LARGE);
    // Exactly 4 MiB is accepted (into its own topic: the official client cannot receive it).
    const max = await raw.send('MaxBodyTopic', 'MAX-1', Buffer.alloc(4 * 1024 * 1024, 2));
    expect(max.entries[0]!.status.code).toBe(Code.OK);
    let stored = 0;
    for (let q = 0; q < 8; q++) {
      const r = await raw.call<{ status: { code: number }; offset: string }>('QueryOffset', { message_queue: { topic: { name: 'MaxBodyTopic' }, id: q }, query_offset_policy: 1 });
      expect(r.status.code).toBe(Code.OK);
      stored += Number(r.offset);
    }
    expect(stored).toBe(1);
    const tag = await raw.send('LimitTopic', 'TAG-1', Buffer.from('x'), { tag: 'a b' });
    expect(tag.entries[0]!.status.code).toBe(Code.ILLEGAL_MESSAGE_TAG);
    const sys = await raw.send('%DLQ%someone', 'SYS-1', Buffer.from('x'));
    expect(sys.entries[0]!.status.code).toBe(Code.ILLEGAL_TOPIC);
    const ack = await raw.call<{ status: { code: number } }>('AckMessage', { group: { name: 'g' }, topic: { name: 'LimitTopic' }, entries: [{ message_id: 'x', receipt_handle: 'forged' }] });
    expect(ack.status.code).toBe(Code.INVALID_RECEIPT_HANDLE);
    const log = clientLog();
    await raw.send('LimitTopic', 'OK-1', Buffer.from('fine'));
    const c = await simpleConsumer(endpoints[0]!, 'limit-g', { LimitTopic: '*' }, log);
    const ok = await c.receive(8, 10_000);
    expect(ok.map((m) => m.messageId)).toEqual(['OK-1']);
    await c.ack(ok[0]!);
    // Nothing of the refused ones was stored.
    expect(await c.receive(8, 2_000)).toEqual([]);
    await c.shutdown();
  });

  it('redelivers an unacked message after its invisible time with the next attempt; its old handle is stale', async () => {
    const log = clientLog();
    const topic = 'RedeliverTopic';
    const p = await producer(endpoints[1]!, [topic], log);
    await p.send({ topic, body: Buffer.from('again') });
    const c = await simpleConsumer(endpoints[0]!, 'redeliver-g', { [topic]: '*' }, log);
    const [first] = await c.receive(1, 1_000);
    expect(first?.deliveryAttempt).toBe(1);
    let second;
    for (const deadline = Date.now() + 10_000; second === undefined && Date.now() < deadline; ) [second] = await c.receive(1, 5_000);
    expect(second?.deliveryAttempt).toBe(2);
    await expect(c.ack(first!)).rejects.toThrow(/40013|receipt/i);
    await c.ack(second!);
    await Promise.all([c.shutdown(), p.shutdown()]);
  });

  it('moves a message to %DLQ%<group> after the group\'s max attempts; the DLQ can be consumed', async () => {
    const log = clientLog();
    const topic = 'DlqTopic';
    const g = 'dlq-g';
    await createGroup(g, { retryMaxTimes: 1 });
    const p = await producer(endpoints[1]!, [topic], log);
    const sent = await p.send({ topic, body: Buffer.from('poison') });
    const c = await simpleConsumer(endpoints[0]!, g, { [topic]: '*' }, log);
    const attempts: number[] = [];
    for (const deadline = Date.now() + 15_000; attempts.length < 2 && Date.now() < deadline; ) {
      for (const m of await c.receive(1, 1_000)) attempts.push(m.deliveryAttempt ?? 0);
    }
    expect(attempts).toEqual([1, 2]);
    // The consumer keeps polling: once the message shows again it is dead-lettered, not delivered.
    const dlq = await simpleConsumer(endpoints[2]!, 'dlq-reader', { [`%DLQ%${g}`]: '*' }, log);
    let got: { id: string; body: string; attempt: number }[] = [];
    for (const deadline = Date.now() + 15_000; got.length === 0 && Date.now() < deadline; ) {
      expect(await c.receive(1, 1_000)).toEqual([]);
      got = await dlq.receive(1, 5_000).then(
        (ms) => ms.map((m) => ({ id: m.messageId, body: m.body.toString(), attempt: m.deliveryAttempt ?? 0 })),
        (err: Error) => {
          if (/40402/.test(err.message)) return []; // the DLQ topic is created by the first move
          throw err;
        },
      );
    }
    expect(got).toEqual([{ id: sent.messageId, body: 'poison', attempt: 1 }]);
    await Promise.all([c.shutdown(), dlq.shutdown(), p.shutdown()]);
  });

  it('consumers of one group share the messages; another group gets all of them', async () => {
    const log = clientLog();
    const topic = 'ShareTopic';
    const p = await producer(endpoints[1]!, [topic], log);
    const bodies = Array.from({ length: 40 }, (_, i) => `share ${i}`);
    for (const b of bodies) await p.send({ topic, body: Buffer.from(b) });
    const a = await simpleConsumer(endpoints[0]!, 'share-g', { [topic]: '*' }, log);
    const b = await simpleConsumer(endpoints[2]!, 'share-g', { [topic]: '*' }, log);
    const seenA: string[] = [];
    const seenB: string[] = [];
    for (const deadline = Date.now() + 20_000; seenA.length + seenB.length < 40 && Date.now() < deadline; ) {
      const [ma, mb] = await Promise.all([a.receive(4, 10_000), b.receive(4, 10_000)]);
      for (const m of ma) { seenA.push(m.body.toString()); await a.ack(m); }
      for (const m of mb) { seenB.push(m.body.toString()); await b.ack(m); }
    }
    expect([...seenA, ...seenB].sort()).toEqual([...bodies].sort());
    expect(seenA.length).toBeGreaterThan(0);
    expect(seenB.length).toBeGreaterThan(0);
    const other = await simpleConsumer(endpoints[1]!, 'share-other', { [topic]: '*' }, log);
    const all = await receiveUntil<string>(other, (x) => x.length >= 40, (m) => m.body.toString(), 20_000);
    expect(all.sort()).toEqual([...bodies].sort());
    await Promise.all([a.shutdown(), b.shutdown(), other.shutdown(), p.shutdown()]);
  });
});
