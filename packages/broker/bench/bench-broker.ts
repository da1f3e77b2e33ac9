// `npm run bench [-- --json FILE --seconds N --backlog N --failovers N --steps LIST]`: a fresh local
// NameServer + three-node broker group (real processes), driven through the v2 endpoint.
// Prints what it measured; asserts nothing. Every acknowledged send was fsynced on a quorum.
//
// Rows: each node's CPU while idle; send throughput with the official client (64 and 1024 sends
// in flight) and with batched SendMessage requests (our raw v2 client, 64 messages per request);
// ack latency p50/p99 at a fixed 1,000 and 5,000 messages/s (open loop: latency counts from when
// each send was due), through the official client and through our raw v2 client with one
// message per request (the official client's own CPU per send is what caps it on a small
// machine; the raw rows show what the broker answers when the client is cheap). The raw client
// talks to the leader (as a client that follows routes mostly does), so its rows leave out the
// follower's forward; a flood (5,000 single-message sends a second over 16 connections to the
// leader: does it stay leader?); end-to-end latency (send -> receive); how late delayed messages
// arrive; receive+ack throughput from a backlog; failover send gap (kill -9 leader -> next
// acknowledged send) over several runs; peak RSS per node (before the fixed-rate steps, whose
// 5,000/s overload sets the overall peak, and overall).
//
// This file runs the steps and prints the table. The load itself: send-load.ts, receive-load.ts
// (through raw-client.ts, the bench's own v2 client, or the official one); what is read off the
// cluster (idle CPU, loop delay, failover gap): cluster-probes.ts.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Producer } from 'rocketmq-client-nodejs';
import { BenchUsageError, cpuMs, openLoop, peakRssMiB, runBench, type BenchArgs } from '@ledgermq/raft-node';
import cliProgress from 'cli-progress';
import { LocalCluster } from '../src/local/local-cluster.ts';
import { group, silent } from './bench-common.ts';
import { failoverGap, idleCpuPercent, idleWindowMs, leaderEndpoint, leaderLoopDelayDuring } from './cluster-probes.ts';
import { rawClient, rawMessages, rawSendOne } from './raw-client.ts';
import { delayLateness, drain, endToEnd, rawDrain } from './receive-load.ts';
import { batchedFor, fill, flood, floodConnections, floodRate, sendFor } from './send-load.ts';

const bodyBytes = 1024;

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
        const { rate, failures } = await sendFor(p, 'BenchTopic', body, inflight, seconds);
        add(`send, official client, ${inflight} in flight`, rate, 'msg/s');
        rows.push({ name: `  sends that failed after the client's retries`, raw: failures.total, value: String(failures) });
        return rate;
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
      const { leader: before, delayMaxMs, result: r } = await leaderLoopDelayDuring(cluster, async () => flood(await leaderEndpoint(cluster), body, seconds));
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
      // The leader's timer releases each message: a long turn of its loop shows in the tail.
      const { leader, delayMaxMs, result: d } = await leaderLoopDelayDuring(cluster, () => delayLateness(p, endpoints[1]!));
      rows.push({ name: 'delayed messages received (due 10 ms apart)', raw: d.received, value: `${d.received} of ${d.sent} sent (${d.planned} planned)` });
      add('  delayed delivery lateness p50 (received - delivery time)', d.p50, 'ms');
      add('  delayed delivery lateness p99', d.p99, 'ms');
      add('  delayed delivery lateness max', d.max, 'ms');
      rows.push({ name: '  delivered before their time', raw: d.early, value: String(d.early) });
      add(`  longest event-loop delay of ${leader.id} during the step`, delayMaxMs, 'ms');
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

// runBench ends the process once main resolves: the official client keeps timers after shutdown().
runBench(command, main);
