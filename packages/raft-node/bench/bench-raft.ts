// `npm run bench:raft [-- --json FILE --seconds N]`: three real node processes on loopback,
// driven through the leader's admin endpoint. Prints what it measured; asserts nothing.
//
// Every counted entry was fsynced on a quorum (the leader counts its own copy only after its
// fsync), committed and applied on the leader before its proposal was answered.
// "In flight" = proposals (1 KiB entries) outstanding at once; the load generator packs
// outstanding proposals into request frames of at most 64.

import { writeFileSync } from 'node:fs';
import { LocalGroup, openLoop, peakRssMiB, runBench, type BenchArgs, type OpenLoopResult } from '../src/index.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const entryBytes = 1024;
const frameEntriesMax = 64;

interface Row {
  readonly name: string;
  readonly value: string;
  readonly raw: number | null;
}

const command = {
  name: 'bench:raft',
  usage: [
    '  --seconds N     seconds per step (5)',
    '  --failovers N   kill -9 of the leader, this many times (5)',
    '  --json FILE     also write the rows as JSON',
  ].join('\n'),
  flags: { seconds: { kind: 'integer', default: 5 }, failovers: { kind: 'integer', default: 5 }, json: { kind: 'string' } },
} as const;

async function main(values: BenchArgs<typeof command.flags>): Promise<void> {
  const seconds = values.seconds;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ledgermq-bench-'));
  const group = await LocalGroup.create({ dataDir: dir, ports: 'auto', segmentBytes: 256 * 1024 * 1024 });
  const rows: Row[] = [];
  const add = (name: string, raw: number | null, unit: string, digits = 0) =>
    rows.push({ name, raw, value: raw === null ? 'n/a' : `${raw.toFixed(digits)} ${unit}` });
  try {
    group.startAll();
    await group.waitForLeader();
    await throughput(group, 64, 1); // warm-up (JIT, connections, segment creation)

    for (const inflight of [1, 64, 1024]) {
      const before = await fsyncCounts(group);
      const r = await throughput(group, inflight, seconds);
      const after = await fsyncCounts(group);
      add(`throughput, ${inflight} in flight (entries/s)`, r.perSec, 'entries/s');
      add(`throughput, ${inflight} in flight (MB/s)`, (r.perSec * entryBytes) / 1e6, 'MB/s', 1);
      for (const h of group.nodes) {
        add(`fsyncs/s on ${h.id} at ${inflight} in flight`, (after.get(h.id)! - before.get(h.id)!) / r.elapsedS, 'fsyncs/s');
      }
    }
    for (const rate of [1_000, 5_000]) {
      const lat = await fixedRate(group, rate, seconds);
      add(`commit latency p50 at ${rate}/s`, lat.p50, 'ms', 2);
      add(`commit latency p99 at ${rate}/s`, lat.p99, 'ms', 2);
      add(`proposals issued per second at ${rate}/s target`, lat.achieved, 'entries/s');
      add(`  committed per second at ${rate}/s target`, lat.succeededPerS, 'entries/s');
      rows.push({ name: `  proposals that failed at ${rate}/s`, raw: lat.failures.total, value: String(lat.failures) });
    }
    for (const h of group.nodes) add(`peak RSS ${h.id}`, peakRssMiB(h.process?.pid), 'MiB', 1);

    const failovers: number[] = [];
    for (let i = 0; i < values.failovers; i++) failovers.push(await failover(group));
    failovers.sort((a, b) => a - b);
    add('failover (kill -9 leader -> next commit), median', failovers[Math.floor(failovers.length / 2)] ?? null, 'ms');
    rows.push({ name: 'failover, all runs (ms)', value: failovers.map((f) => f.toFixed(0)).join(', '), raw: null });
  } finally {
    await group.stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
  const width = Math.max(...rows.map((r) => r.name.length));
  process.stdout.write(`\nLedgerMQ raft bench: 3 processes on loopback, ${os.cpus().length} cores, ${entryBytes} B entries, ${seconds} s per step\n`);
  for (const r of rows) process.stdout.write(`${r.name.padEnd(width)}  ${r.value}\n`);
  if (values.json) writeFileSync(values.json, JSON.stringify({ entryBytes, seconds, rows }, null, 2));
}

async function throughput(group: LocalGroup, inflight: number, seconds: number): Promise<{ perSec: number; elapsedS: number }> {
  const leader = group.node((await group.waitForLeader()).id);
  const body = Buffer.alloc(entryBytes, 0x61);
  const frame = Math.min(inflight, frameEntriesMax);
  const lanes = Math.ceil(inflight / frame);
  const start = process.hrtime.bigint();
  const endAt = Date.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      const payloads = Array.from({ length: frame }, () => body);
      while (Date.now() < endAt) {
        const r = await leader.admin.propose(payloads);
        done += r.indexes.length;
      }
    }),
  );
  const elapsedS = Number(process.hrtime.bigint() - start) / 1e9;
  return { perSec: done / elapsedS, elapsedS };
}

/** Open-loop load: latency counts from when each proposal was due, not when it was sent. */
async function fixedRate(group: LocalGroup, rate: number, seconds: number): Promise<OpenLoopResult> {
  const leader = group.node((await group.waitForLeader()).id);
  const body = Buffer.alloc(entryBytes, 0x62);
  return openLoop(() => leader.admin.propose([body]), rate, seconds);
}

/** kill -9 the leader while proposals keep coming; time until one commits on a new leader. */
async function failover(group: LocalGroup): Promise<number> {
  const old = await group.waitForLeader();
  const body = Buffer.alloc(entryBytes, 0x63);
  await group.kill(old.id, 'SIGKILL');
  const killedAt = performance.now();
  let ms = -1;
  for (let attempt = 0; attempt < 10_000 && ms < 0; attempt++) {
    const leader = await group.waitForLeader({ excluding: old.id, minTerm: old.term + 1, timeoutMs: 30_000 });
    try {
      await group.node(leader.id).admin.propose([body]);
      ms = performance.now() - killedAt;
    } catch {
      /* leadership still settling: ask again */
    }
  }
  group.start(old.id);
  await waitCaughtUp(group);
  return ms;
}

async function waitCaughtUp(group: LocalGroup): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const st = [...(await group.statuses()).values()];
    if (st.length === group.nodes.length && st.every((s) => s.applied === st[0]!.applied && s.leader !== null)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('group did not catch up after restart');
}

async function fsyncCounts(group: LocalGroup): Promise<Map<string, number>> {
  const st = await group.statuses();
  return new Map([...st].map(([id, s]) => [id, s.fsyncs as number]));
}


runBench(command, main);
