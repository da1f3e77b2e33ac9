// `npm run bench [-- --json FILE --seconds N --backlog N --failovers N --steps LIST]`: a fresh local
// NameServer + three-node broker group (real processes), driven through the v2 endpoint.
// Prints what it measured; asserts nothing. Every acknowledged send was fsynced on a quorum.
//
// Rows: each node's CPU while idle; send throughput with the official client (64 and 1024 sends in flight), with batched
// SendMessage requests (our raw v2 client, 64 messages per request); ack latency p50/p99 at a
// fixed 1,000 and 5,000 messages/s (open loop: latency counts from when each send was due),
// through the official client and through our raw v2 client with one message per request (the
// official client's own CPU per send is what caps it on a small machine; the raw rows show what
// the broker answers when the client is cheap). The raw client talks to the leader (as a client
// that follows routes mostly does), so its rows leave out the follower's forward;
// end-to-end latency (send -> receive); how late delayed messages arrive; receive+ack throughput from a backlog; failover send
// gap (kill -9 leader -> next acknowledged send) over several runs; a flood (5,000 single-message
// sends a second over 16 connections to the leader: does it stay leader?); peak RSS per node (before the
// fixed-rate steps, whose 5,000/s overload sets the overall peak, and overall).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { messagingServiceClient } from '@ledgermq/protocol';
import { Producer, SimpleConsumer } from 'rocketmq-client-nodejs';
import { BenchUsageError, cpuMs, FailureCounts, openLoop, peakRssMiB, quantiles, runBench, type BenchArgs } from '@ledgermq/raft-node';
import cliProgress from 'cli-progress';
import { LocalCluster } from '../src/local/local-cluster.ts';

const bodyBytes = 1024;
const group = 'broker-a';
const silent = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

interface Row {
  readonly name: string;
  readonly value: string;
  readonly raw: number | null;
}

/** The steps `--steps` may name (default: all, in this order). */
const stepNames = ['idle', 'official', 'batched', 'fixed', 'flood', 'e2e', 'delay', 'backlog', 'failover'] as const;
type StepName = (typeof stepNames)[number];
/** Progress-bar steps each one counts (failover: one per run, added at start). */
const stepWeights: Record<StepName, number> = { idle: 1, official: 2, batched: 1, fixed: 4, flood: 1, e2e: 1, delay: 1, backlog: 1, failover: 0 };

function parseSteps(list: string): Set<StepName> {
  const names = list.split(',').map((x) => x.trim()).filter((x) => x !== '');
  for (const n of names) if (!(stepNames as readonly string[]).includes(n)) throw new BenchUsageError(`--steps: unknown step "${n}" (steps: ${stepNames.join(', ')})`);
  if (names.length === 0) throw new BenchUsageError(`--steps needs at least one of ${stepNames.join(', ')}`);
  return new Set(names as StepName[]);
}

// A bar on a terminal (cli-progress: rate, ETA, redraws throttled); one line per step otherwise,
// so a log of the run still says where it was.
let bar: cliProgress.SingleBar | null = null;
let stepsDone = 0;
function startProgress(total: number): void {
  if (!process.stderr.isTTY) return;
  bar = new cliProgress.SingleBar({ format: 'bench [{bar}] {value}/{total} steps | {step}', stream: process.stderr, fps: 5, clearOnComplete: true, hideCursor: true }, cliProgress.Presets.shades_classic);
  bar.start(total, 0, { step: 'starting the cluster' });
}
function progress(step: string): void {
  if (bar !== null) bar.update(stepsDone++, { step });
  else process.stderr.write(`… ${step}\n`);
}
function stopProgress(): void {
  bar?.stop();
  bar = null;
}

const command = {
  name: 'bench',
  usage: [
    '  --seconds N     seconds per measured step (5)',
    '  --backlog N     messages in the receive+ack backlog (200000)',
    '  --failovers N   kill -9 of the leader, this many times (5)',
    `  --steps LIST    comma-separated, of ${stepNames.join(', ')} (all)`,
    '  --json FILE     also write the rows as JSON',
  ].join('\n'),
  flags: {
    seconds: { kind: 'integer', default: 5 },
    backlog: { kind: 'integer', default: 200_000 },
    failovers: { kind: 'integer', default: 5 },
    steps: { kind: 'string', default: stepNames.join(',') },
    json: { kind: 'string' },
  },
} as const;

async function main(values: BenchArgs<typeof command.flags>): Promise<void> {
  const seconds = values.seconds;
  const steps = parseSteps(values.steps);
  startProgress([...steps].reduce((n, st) => n + stepWeights[st], 0) + (steps.has('failover') ? values.failovers : 0));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ledgermq-bench-broker-'));
  const cluster = await LocalCluster.create({ dataDir: dir, ports: 'auto', segmentBytes: 256 * 1024 * 1024 });
  const rows: Row[] = [];
  const add = (name: string, raw: number | null, unit: string, digits = 0) => rows.push({ name, raw, value: raw === null ? 'n/a' : `${raw.toFixed(digits)} ${unit}` });
  // Whatever ends this process (a client's stray rejection included) ends the cluster it started.
  process.on('exit', () => {
    for (const id of [...cluster.group(group).map((h) => h.id), 'namesrv-0']) {
      const pid = cluster.pid(id);
      if (pid !== undefined) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }
  });
  try {
    cluster.startAll();
    await cluster.waitForLeader(group, { timeoutMs: 60_000 });
    const endpoints = cluster.v2Endpoints(group);
    const body = Buffer.alloc(bodyBytes, 0x61);
    const p = new Producer({ endpoints: endpoints[0]!, namespace: '', topics: ['BenchTopic'], logger: silent } as never);
    await p.startup();
    await sendFor(p, 'BenchTopic', body, 16, 1); // warm-up: topic creation, JIT, connections
    // CPU per acknowledged message of each process (from /proc): says where the time goes.
    const cpuRow = async (run: () => Promise<number>): Promise<void> => {
      const pids = cluster.group(group).map((h) => h.process?.pid);
      const before = pids.map(cpuMs);
      const me0 = process.cpuUsage();
      const rate = await run();
      const me = process.cpuUsage(me0);
      const acked = rate * seconds;
      const perNode = pids.map((pid, i) => ((cpuMs(pid) ?? NaN) - (before[i] ?? NaN)) / acked);
      rows.push({ name: `  CPU ms per message: nodes / this client`, raw: null, value: `${perNode.map((x) => x.toFixed(3)).join(' ')} / ${((me.user + me.system) / 1000 / acked).toFixed(3)}` });
    };
    if (steps.has('idle')) {
      progress('idle');
      rows.push({ name: `idle CPU per node over ${idleWindowMs / 1000} s (a connected producer, no sends)`, raw: null, value: (await idleCpuPercent(cluster)).map((x) => `${x.toFixed(1)}%`).join(' / ') + ' of a core' });
    }
    for (const inflight of steps.has('official') ? [64, 1024] : []) {
      progress(`official client, ${inflight} in flight`);
      await cpuRow(async () => {
        const r = await sendFor(p, 'BenchTopic', body, inflight, seconds);
        add(`send, official client, ${inflight} in flight`, r, 'msg/s');
        rows.push({ name: `  sends that failed after the client's retries`, raw: lastFailures.total, value: String(lastFailures) });
        return r;
      });
    }
    if (steps.has('batched')) {
      progress('batched SendMessage');
      await cpuRow(async () => {
        const r = await batchedFor(await leaderEndpoint(cluster), body, seconds);
        add('send, batched requests to the leader (64 per request, 16 in flight)', r, 'msg/s');
        return r;
      });
    }
    // The fixed-rate steps overload the group at 5,000/s (tens of thousands of sends in flight),
    // which sets the nodes' peak memory: the peak before them is the steady-load figure.
    if (steps.has('fixed')) for (const h of cluster.group(group)) add(`peak RSS ${h.id} before the fixed-rate steps`, peakRssMiB(h.process?.pid), 'MiB', 1);
    for (const rate of steps.has('fixed') ? [1_000, 5_000] : []) {
      for (const via of ['official', 'raw'] as const) {
        progress(`fixed rate ${rate}/s, ${via} client`);
        const raw = via === 'raw' ? rawClient(await leaderEndpoint(cluster)) : null;
        const send = raw === null ? () => p.send({ topic: 'RateTopic', body }) : () => rawSendOne(raw, rawMessages('RateTopic', body, 1)[0]);
        const r = await openLoop(send, rate, seconds);
        raw?.close();
        const label = via === 'official' ? 'official client' : 'raw client to the leader, 1 per request';
        add(`ack latency p50 at ${rate}/s (${label})`, r.p50, 'ms', 2);
        add(`ack latency p99 at ${rate}/s (${label})`, r.p99, 'ms', 2);
        add(`sends issued per second at ${rate}/s (${label})`, r.achieved, 'msg/s');
        add(`  acknowledged per second at ${rate}/s (${label})`, r.succeededPerS, 'msg/s');
        rows.push({ name: `  sends that failed at ${rate}/s (${label})`, raw: r.failures.total, value: String(r.failures) });
      }
    }
    // A step that fails (a client error on this loaded machine) is reported, and the rest still run.
    const step = async (name: string, fn: () => Promise<void>) => {
      progress(name);
      try {
        await fn();
      } catch (err) {
        rows.push({ name: `${name}: FAILED`, value: (err as Error).message.split('\n')[0]!.slice(0, 120), raw: null });
      }
    };
    if (steps.has('flood')) await step(`flood over ${floodConnections} connections`, async () => {
      const before = await cluster.waitForLeader(group, { timeoutMs: 60_000 });
      const metricsUrl = `http://${before.node.plan.host}:${before.node.plan.metricsPort}/metrics`;
      await eventLoopDelayMaxMs(metricsUrl); // a scrape restarts the node's delay histogram
      const r = await flood(await leaderEndpoint(cluster), body, seconds);
      const delayMaxMs = await eventLoopDelayMaxMs(metricsUrl);
      const after = await cluster.waitForLeader(group, { timeoutMs: 60_000 });
      const label = `${floodRate}/s over ${floodConnections} connections`;
      add(`acknowledged per second, flood of ${label}`, r.succeededPerS, 'msg/s');
      add(`ack latency p99, flood of ${label} (queued in the clients)`, r.p99, 'ms');
      rows.push({ name: `  sends that failed in the flood`, raw: r.failures.total, value: String(r.failures) });
      add(`  longest event-loop delay of ${before.id} in the flood (followers elect after 500-1,000 ms)`, delayMaxMs, 'ms');
      const kept = after.id === before.id && after.term === before.term;
      rows.push({ name: '  elections during the flood', raw: after.term - before.term, value: kept ? `none (${before.id} stayed leader, term ${before.term})` : `${after.term - before.term} (${before.id}@${before.term} -> ${after.id}@${after.term})` });
    });
    if (steps.has('e2e')) await step('end-to-end latency', async () => {
      const e2e = await endToEnd(p, endpoints[1]!, body);
      add('end-to-end latency p50 (send -> receive)', e2e.p50, 'ms', 2);
      add('end-to-end latency p99', e2e.p99, 'ms', 2);
    });
    if (steps.has('delay')) await step('delayed delivery', async () => {
      const d = await delayLateness(p, endpoints[1]!);
      rows.push({ name: 'delayed messages received (due 10 ms apart)', raw: d.received, value: `${d.received} of ${d.count}` });
      add('  delayed delivery lateness p50 (received - delivery time)', d.p50, 'ms');
      add('  delayed delivery lateness p99', d.p99, 'ms');
      add('  delayed delivery lateness max', d.max, 'ms');
      rows.push({ name: '  delivered before their time', raw: d.early, value: String(d.early) });
    });
    const backlog = values.backlog;
    if (steps.has('backlog')) await step('receive+ack from a backlog', async () => {
      await fill(endpoints[0]!, 'BacklogTopic', body, backlog);
      add(`receive+ack from a backlog of ${backlog} (official SimpleConsumer: one AckMessage per message)`, await drain(endpoints[1]!, 'BacklogTopic', backlog), 'msg/s');
      await fill(endpoints[0]!, 'RawBacklogTopic', body, backlog);
      add(`receive+ack from a backlog of ${backlog} (raw client on the leader: 32 per receive, one AckMessage per batch)`, await rawDrain(cluster, 'RawBacklogTopic', backlog), 'msg/s');
    });
    for (const h of cluster.group(group)) add(`peak RSS ${h.id}`, peakRssMiB(h.process?.pid), 'MiB', 1);
    const gaps: number[] = [];
    for (let i = 0; i < (steps.has('failover') ? values.failovers : 0); i++) {
      progress(`failover ${i + 1}`);
      gaps.push(await failoverGap(cluster, p, body));
    }
    if (gaps.length > 0) {
      gaps.sort((a, b) => a - b);
      add('failover send gap (kill -9 leader), median', gaps[Math.floor(gaps.length / 2)] ?? null, 'ms');
      add('failover send gap, max', gaps[gaps.length - 1] ?? null, 'ms');
      rows.push({ name: 'failover send gaps (ms)', value: gaps.map((g) => g.toFixed(0)).join(', '), raw: null });
    }
    await p.shutdown().catch(() => {});
  } finally {
    await cluster.close();
    rmSync(dir, { recursive: true, force: true });
  }
  stopProgress();
  const width = Math.max(...rows.map((r) => r.name.length));
  process.stdout.write(`\nLedgerMQ broker bench: NameServer + 3 broker nodes on loopback, ${os.cpus().length} cores, ${bodyBytes} B bodies, ${seconds} s per step\n`);
  for (const r of rows) process.stdout.write(`${r.name.padEnd(width)}  ${r.value}\n`);
  if (values.json) writeFileSync(values.json, JSON.stringify({ bodyBytes, seconds, rows }, null, 2));
}

/** Failed sends (the client gave up after its retries) during the last sendFor(), by cause. */
let lastFailures = new FailureCounts();

/** How long the idle step settles (the warm-up's tail: checkpoints, GC) and then measures. */
const idleSettleMs = 2_000;
const idleWindowMs = 5_000;

/** Each node's CPU over a window with no load, in % of one core: what its timers, heartbeats and beacons cost. */
async function idleCpuPercent(cluster: LocalCluster): Promise<number[]> {
  await new Promise((r) => setTimeout(r, idleSettleMs));
  const pids = cluster.group(group).map((h) => h.process?.pid);
  const before = pids.map(cpuMs);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, idleWindowMs));
  const elapsedMs = performance.now() - t0;
  return pids.map((pid, i) => (100 * ((cpuMs(pid) ?? NaN) - (before[i] ?? NaN))) / elapsedMs);
}

async function sendFor(p: Producer, topic: string, body: Buffer, inflight: number, seconds: number): Promise<number> {
  const endAt = Date.now() + seconds * 1000;
  const t0 = performance.now();
  let done = 0;
  lastFailures = new FailureCounts();
  await Promise.all(Array.from({ length: inflight }, async () => {
    while (Date.now() < endAt) {
      try {
        await p.send({ topic, body });
        done++;
      } catch (err) {
        lastFailures.add(err);
      }
    }
  }));
  return done / ((performance.now() - t0) / 1000);
}

/**
 * Our raw v2 client. Its HTTP/2 receive window is 16 MiB (grpc-js's option), not Node's 64 KiB
 * per connection: eight receives of 32 messages in flight (336 KB) then arrive without waiting
 * for this process's window updates (a drain of 60,000: 8.6-9.1k -> 9.8-9.9k msg/s).
 */
function rawClient(endpoint: string, ownConnection = false): grpc.Client & Record<string, (...a: unknown[]) => unknown> {
  const Ctor = messagingServiceClient();
  const options = { 'grpc.max_send_message_length': 64 * 1024 * 1024, 'grpc-node.flow_control_window': 16 * 1024 * 1024 };
  // grpc-js shares one connection among clients of the same target unless told otherwise.
  return new Ctor(endpoint, grpc.credentials.createInsecure(), ownConnection ? { ...options, 'grpc.use_local_subchannel_pool': 1 } : options) as never;
}

/** nodejs_eventloop_lag_max_seconds of a node, in ms: the longest delay since its previous scrape. */
async function eventLoopDelayMaxMs(metricsUrl: string): Promise<number | null> {
  const text = await (await fetch(metricsUrl, { signal: AbortSignal.timeout(10_000) })).text();
  const m = /^nodejs_eventloop_lag_max_seconds(?:\{[^}]*\})? (\S+)$/m.exec(text);
  return m === null ? null : Number(m[1]) * 1000;
}

const floodRate = 5_000;
const floodConnections = 16;

/** Single-message sends at floodRate, open loop, spread over floodConnections connections of their own. */
async function flood(endpoint: string, body: Buffer, seconds: number): Promise<Awaited<ReturnType<typeof openLoop>>> {
  const clients = Array.from({ length: floodConnections }, () => rawClient(endpoint, true));
  let next = 0;
  try {
    return await openLoop(() => rawSendOne(clients[next++ % clients.length]!, rawMessages('FloodTopic', body, 1)[0]), floodRate, seconds);
  } finally {
    for (const c of clients) c.close();
  }
}

let seq = 0;
function rawMessages(topic: string, body: Buffer, n: number): unknown[] {
  return Array.from({ length: n }, () => ({
    topic: { name: topic, resource_namespace: '' }, user_properties: {}, body,
    system_properties: { message_id: `BENCH${process.pid}-${seq++}`, body_encoding: 1, message_type: 1, born_host: 'bench', keys: [], queue_id: 0 },
  }));
}

type V2Status = { readonly code: number; readonly message: string };

/** One SendMessage request: each message's status, in order (a request-level refusal for all). */
function rawSendStatuses(c: ReturnType<typeof rawClient>, messages: unknown[]): Promise<V2Status[]> {
  return new Promise((resolve, reject) => {
    (c.SendMessage as (r: unknown, o: object, cb: (e: Error | null, r: { status: V2Status; entries: { status: V2Status }[] }) => void) => void)({ messages }, { deadline: Date.now() + 30_000 }, (e, r) => {
      if (e) return reject(e);
      resolve(r.entries.length > 0 ? r.entries.map((x) => x.status) : messages.map(() => r.status));
    });
  });
}

/** Messages of one request that were stored. */
async function rawSend(c: ReturnType<typeof rawClient>, messages: unknown[]): Promise<number> {
  return (await rawSendStatuses(c, messages)).filter((st) => st.code === 20000).length;
}

/** A send the broker answered with a status other than OK (code: the v2 status code). */
class SendRefusedError extends Error {
  constructor(readonly code: number, message: string) {
    super(`send refused: ${code} ${message}`);
    this.name = 'SendRefusedError';
  }
}

/** One message in one request; rejects with SendRefusedError unless it was stored. */
async function rawSendOne(c: ReturnType<typeof rawClient>, message: unknown): Promise<void> {
  const [status] = await rawSendStatuses(c, [message]);
  if (status!.code !== 20000) throw new SendRefusedError(status!.code, status!.message);
}

async function batchedFor(endpoint: string, body: Buffer, seconds: number): Promise<number> {
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

async function fill(endpoint: string, topic: string, body: Buffer, total: number): Promise<void> {
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

async function drain(endpoint: string, topic: string, total: number): Promise<number> {
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

interface RawReceived { readonly message?: { readonly system_properties?: { readonly message_id?: string; readonly receipt_handle?: string } } }

/** One ReceiveMessage call (a server stream): the messages it delivered. */
function rawReceive(c: ReturnType<typeof rawClient>, groupName: string, topic: string, batch: number): Promise<{ id: string; handle: string }[]> {
  return new Promise((resolve, reject) => {
    const req = {
      group: { name: groupName, resource_namespace: '' }, message_queue: { topic: { name: topic, resource_namespace: '' }, id: 0 },
      filter_expression: { type: 1, expression: '*' }, batch_size: batch, invisible_duration: { seconds: 60, nanos: 0 },
      auto_renew: false, long_polling_timeout: { seconds: 2, nanos: 0 },
    };
    const got: { id: string; handle: string }[] = [];
    const stream = (c.ReceiveMessage as (r: unknown, o: object) => NodeJS.EventEmitter)(req, { deadline: Date.now() + 30_000 });
    stream.on('data', (r: RawReceived) => {
      const sp = r.message?.system_properties;
      if (sp?.message_id !== undefined && sp.receipt_handle !== undefined) got.push({ id: sp.message_id, handle: sp.receipt_handle });
    });
    stream.on('error', reject);
    stream.on('end', () => resolve(got));
  });
}

function rawAck(c: ReturnType<typeof rawClient>, groupName: string, topic: string, got: { id: string; handle: string }[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = { group: { name: groupName, resource_namespace: '' }, topic: { name: topic, resource_namespace: '' }, entries: got.map((g) => ({ message_id: g.id, receipt_handle: g.handle })) };
    (c.AckMessage as (r: unknown, o: object, cb: (e: Error | null, r: { status: { code: number; message: string } }) => void) => void)(req, { deadline: Date.now() + 30_000 }, (e, r) => {
      if (e) return reject(e);
      if (r.status.code !== 20000) return reject(new Error(`ack refused: ${r.status.code} ${r.status.message}`));
      resolve();
    });
  });
}

/** The v2 endpoint of the group's leader: our raw client's rows measure the broker, not a forward. */
async function leaderEndpoint(cluster: LocalCluster): Promise<string> {
  const leader = await cluster.waitForLeader(group, { timeoutMs: 60_000 });
  return `${leader.node.plan.host}:${leader.node.plan.v2Port}`;
}

/** Receive+ack of a backlog through our raw v2 client, on the leader (batched acks). */
async function rawDrain(cluster: LocalCluster, topic: string, total: number): Promise<number> {
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
async function arrivalLog(endpoint: string, topic: string, clock: () => number) {
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

async function endToEnd(p: Producer, endpoint: string, body: Buffer): Promise<{ p50: number; p99: number }> {
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
async function delayLateness(p: Producer, endpoint: string): Promise<{ p50: number; p99: number; max: number; early: number; received: number; count: number }> {
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
  return { p50, p99, max: late.length > 0 ? Math.max(...late) : NaN, early: late.filter((x) => x < 0).length, received: late.length, count: dueAt.size };
}

async function failoverGap(cluster: LocalCluster, p: Producer, body: Buffer): Promise<number> {
  const old = await cluster.waitForLeader(group, { timeoutMs: 60_000 });
  // Steady sends; the gap is the longest time between two acknowledged sends around the kill.
  let lastOk = performance.now();
  let gap = 0;
  let stop = false;
  const loop = (async () => {
    while (!stop) {
      try {
        await p.send({ topic: 'FailoverTopic', body });
        const now = performance.now();
        gap = Math.max(gap, now - lastOk);
        lastOk = now;
      } catch {
        /* the client retried and gave up; keep sending */
      }
    }
  })();
  await new Promise((r) => setTimeout(r, 500));
  gap = 0;
  await cluster.kill(old.id, 'SIGKILL');
  await cluster.waitForLeader(group, { excluding: old.id, minTerm: old.term + 1, timeoutMs: 60_000 });
  const until = performance.now() + 3_000;
  while (performance.now() < until) await new Promise((r) => setTimeout(r, 50));
  stop = true;
  await loop;
  cluster.start(old.id);
  // The next run kills one node only once this one votes again (else it is two failures).
  await cluster.waitForFollowing(group, old.id, 60_000);
  return gap;
}



// runBench ends the process once main resolves: the official client keeps timers after shutdown().
runBench(command, main);
