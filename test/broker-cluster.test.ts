// Black-box: a NameServer and a three-node broker group as real processes (LocalCluster), driven
// with the official RocketMQ 5 Node.js client. 100 messages sent and received exactly once, then
// kill -9 of the leader, a new leader, and 50 more sent and received through the same clients.
//
// The client is given ONE node's endpoint (it cannot use several, PROTOCOL-V2-NOTES.md); the
// routes list every node. That node is a follower, so it survives the leader's death.

import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Producer, SimpleConsumer, type MessageView } from 'rocketmq-client-nodejs';
import { NamesrvClient } from '@ledgermq/namesrv';
import { brokerMainPath, LocalCluster } from '@ledgermq/broker/local';
import { tmpDir } from './support/tmp-dir.ts';
import { waitFor } from './support/wait.ts';

const group = 'broker-a';
const topic = 'ClusterTopic';
const consumerGroup = 'g1';
const segmentBytes = 64 * 1024;
const firstCount = 100;
const secondCount = 50;
const sendPhaseMs = 60_000;
const receivePhaseMs = 60_000;
const longPollMs = 3_000;
const invisibleMs = 30_000;

/** One send the test made: what it sent, and whether the broker acknowledged it. */
interface Attempt {
  readonly body: string;
  readonly tag: string;
  readonly key: string;
  messageId: string | null;
  outcome: 'ok' | 'unknown';
}

const silent = { info() {}, warn() {}, error() {}, debug() {} };

describe.skipIf(!existsSync(brokerMainPath))('a broker group of real processes with the official client', () => {
  let cluster: LocalCluster;
  let cleanup: () => void;
  let producer: Producer | null = null;
  let consumer: SimpleConsumer | null = null;
  let endpoint = '';
  const attempts: Attempt[] = [];
  /** Every delivery: message id -> bodies delivered under it (acked each time). */
  const deliveries = new Map<string, string[]>();

  beforeAll(async () => {
    const t = tmpDir('broker-cluster');
    cleanup = t.cleanup;
    cluster = await LocalCluster.create({ dataDir: t.dir, ports: 'auto', segmentBytes, tickMs: 20, electionTicks: 10 });
    cluster.startAll();
    await cluster.waitForNamesrvs(30_000);
  });

  afterAll(async () => {
    await consumer?.shutdown().catch(() => {});
    await producer?.shutdown().catch(() => {});
    await cluster?.close();
    cleanup?.();
  });

  /** Sends one message; a failed attempt is recorded as of unknown outcome and retried with a new body. */
  async function sendOne(phase: string, i: number, deadline: number): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const a: Attempt = { body: `${phase}-${i}-${attempt}`, tag: i % 2 === 0 ? 'TagA' : 'TagB', key: `${phase}-key-${i}`, messageId: null, outcome: 'unknown' };
      attempts.push(a);
      try {
        const receipt = await producer!.send({ topic, tag: a.tag, keys: [a.key], body: Buffer.from(a.body) });
        a.messageId = receipt.messageId;
        a.outcome = 'ok';
        return;
      } catch (err) {
        if (Date.now() >= deadline) throw new Error(`send ${a.body} failed until the deadline: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** Receives and acks until every acknowledged send of `phase` was delivered. */
  async function receiveAll(phase: string, timeoutMs: number): Promise<void> {
    const wanted = () => attempts.filter((a) => a.outcome === 'ok' && a.body.startsWith(`${phase}-`));
    const deadline = Date.now() + timeoutMs;
    const missing = () => wanted().filter((a) => !deliveries.has(a.messageId!));
    while (missing().length > 0) {
      if (Date.now() >= deadline) throw new Error(`${phase}: ${missing().length} acknowledged messages never delivered, e.g. ${missing()[0]!.body}`);
      let batch: MessageView[] = [];
      try {
        batch = await consumer!.receive(32, invisibleMs);
      } catch {
        // an endpoint that just died: try again (the loop is bounded by the deadline)
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      for (const m of batch) {
        const body = m.body.toString();
        const a = attempts.find((x) => x.body === body);
        expect(a, `delivered a message never sent: ${body}`).toBeDefined();
        expect(m.topic).toBe(topic);
        expect(m.tag).toBe(a!.tag);
        expect(m.keys).toEqual([a!.key]);
        if (a!.messageId !== null) expect(m.messageId).toBe(a!.messageId);
        deliveries.set(m.messageId, [...(deliveries.get(m.messageId) ?? []), body]);
        await waitFor(`ack of ${body}`, async () => {
          await consumer!.ack(m);
          return true;
        }, 20_000, 200);
      }
    }
  }

  it('elects a leader and registers with the NameServer', async () => {
    const leader = await cluster.waitForLeader(group, { timeoutMs: 30_000 });
    expect(leader.id.startsWith(`${group}/`)).toBe(true);
    const follower = cluster.group(group).find((b) => b.id !== leader.id)!;
    endpoint = `${follower.plan.host}:${follower.plan.v2Port}`;
    expect(cluster.v2Endpoints(group)).toContain(endpoint);

    const namesrv = new NamesrvClient(cluster.namesrvAddr());
    try {
      const info = await waitFor('the group to be registered with its leader', async () => {
        const g = (await namesrv.clusterInfo()).find((c) => c.clusterName === 'DefaultCluster')?.groups.find((x) => x.brokerName === group);
        return g !== undefined && g.nodes.length === 3 && g.leaderNodeId === leader.selfId ? g : null;
      }, 30_000, 100);
      expect(info.nodes.map((n) => n.v2Endpoint.port).sort()).toEqual(cluster.group(group).map((b) => b.plan.v2Port).sort());
    } finally {
      namesrv.close();
    }
  });

  it('sends 100 messages with tags and keys and receives each exactly once', async () => {
    producer = await waitFor('the producer to start', async () => {
      const p = new Producer({ endpoints: endpoint, namespace: '', requestTimeout: 5_000, logger: silent });
      try {
        await p.startup();
        return p;
      } catch (err) {
        await p.shutdown().catch(() => {});
        throw err;
      }
    }, 30_000, 250);
    const sendDeadline = Date.now() + sendPhaseMs;
    for (let i = 0; i < firstCount; i++) await sendOne('first', i, sendDeadline);

    consumer = await waitFor('the consumer to start', async () => {
      const c = new SimpleConsumer({
        endpoints: endpoint,
        namespace: '',
        consumerGroup,
        subscriptions: new Map([[topic, '*']]),
        awaitDuration: longPollMs,
        requestTimeout: 5_000,
        logger: silent,
      });
      try {
        await c.startup();
        return c;
      } catch (err) {
        await c.shutdown().catch(() => {});
        throw err;
      }
    }, 30_000, 250);
    await receiveAll('first', receivePhaseMs);

    // Nothing more comes: one more long poll must be empty.
    const extra = await consumer.receive(32, invisibleMs);
    expect(extra.map((m) => m.body.toString())).toEqual([]);

    const ok = attempts.filter((a) => a.body.startsWith('first-') && a.outcome === 'ok');
    expect(ok).toHaveLength(firstCount);
    for (const a of ok) expect(deliveries.get(a.messageId!), a.body).toEqual([a.body]);
    for (const [id, bodies] of deliveries) expect(bodies, `message ${id}`).toHaveLength(1);
    expect(new Set(ok.map((a) => a.messageId)).size).toBe(firstCount);
  });

  it('after kill -9 of the leader, a new leader takes 50 more messages through the same clients', async () => {
    const old = await cluster.waitForLeader(group);
    expect(endpoint).not.toBe(`${old.node.plan.host}:${old.node.plan.v2Port}`);
    await cluster.kill(old.id, 'SIGKILL');
    expect(cluster.isRunning(old.id)).toBe(false);
    const next = await cluster.waitForLeader(group, { excluding: old.id, minTerm: old.term + 1, timeoutMs: 30_000 });
    expect(next.id).not.toBe(old.id);

    const firstDelivered = new Map([...deliveries].map(([id, b]) => [id, b.length]));
    const sendDeadline = Date.now() + sendPhaseMs;
    for (let i = 0; i < secondCount; i++) await sendOne('second', i, sendDeadline);
    await receiveAll('second', receivePhaseMs);

    const ok = attempts.filter((a) => a.body.startsWith('second-') && a.outcome === 'ok');
    expect(ok).toHaveLength(secondCount);
    for (const a of ok) expect(deliveries.get(a.messageId!), a.body).toEqual([a.body]);
    // An attempt of unknown outcome may have been stored: at most once.
    for (const a of attempts.filter((x) => x.outcome === 'unknown')) {
      const got = [...deliveries.values()].flat().filter((b) => b === a.body);
      expect(got.length, a.body).toBeLessThanOrEqual(1);
    }
    // Acked before the failover: a redelivery after it is allowed (at least once), but report it.
    const redelivered = [...firstDelivered].filter(([id, n]) => (deliveries.get(id)?.length ?? 0) > n);
    if (redelivered.length > 0) console.warn(`${redelivered.length} messages acked before the failover were delivered again after it`);
  });

  it('pauses (SIGSTOP) and resumes (SIGCONT) a node by its handle; a paused node is stopped cleanly', async () => {
    const leader = await cluster.waitForLeader(group);
    const follower = cluster.group(group).find((b) => b.id !== leader.id && cluster.isRunning(b.id))!;
    const pid = cluster.pid(follower.id);
    expect(pid).toBeGreaterThan(0);
    cluster.pause(follower.id);
    expect((await cluster.statuses(group)).has(follower.id)).toBe(false);
    await expect(follower.admin.status(500)).rejects.toThrow(/DEADLINE_EXCEEDED|Deadline/i); // frozen, not gone
    expect(cluster.isRunning(follower.id)).toBe(true);
    cluster.resume(follower.id);
    await waitFor(`${follower.id} to answer again`, async () => (await follower.admin.status(1_000)).role === 'follower', 20_000, 100);
    // Left paused: close() in afterAll must still stop it (SIGTERM + SIGCONT).
    cluster.pause(follower.id);
    await cluster.stop(follower.id, 10_000);
    expect(cluster.isRunning(follower.id)).toBe(false);
    expect(cluster.handle(follower.id).process!.signalCode).toBeNull(); // it exited by itself on SIGTERM
  });
});
