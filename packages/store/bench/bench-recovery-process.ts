// npm run bench:store -- --recovery-process [--messages N --batch M --queues Q --json FILE]
//
// The recovery figure on real processes: a LocalCluster (a NameServer and a three-node
// broker group, loopback, free ports) is loaded with N messages (1 KiB bodies, a tag, a key and
// a client id each, M per entry) through the admin Propose RPC; then every broker node is
// killed with SIGKILL at once, mid-apply on the followers (the load's last acks are not waited
// for on them), and started again. Timed from the restart to serving: a leader whose admin
// Status reports that it applied everything committed before the kill, and to every node
// having applied it. Process start-up (module loading: LocalCluster runs nodes from its bundle,
// broker/src/local/node-bundle.ts) is in the figure: it is part of "kill -9 to serving". Node
// configuration is the default (verifyCommitLogOnStart=true: the whole log's CRCs are checked
// at every start). One run; no asserts: this measures.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LocalCluster } from '@ledgermq/broker/local';
import { AdminCallError } from '@ledgermq/raft-node';
import { CommandKind, emptyProperties, encodeCommand, encodeMessageBatch, topicConfig } from '@ledgermq/store';

export interface RecoveryProcessArgs {
  readonly messages: number;
  readonly batch: number;
  readonly queues: number;
  readonly json: string | null;
  /** Leave the cluster's directory (node logs) in place, and say where. */
  readonly keep: boolean;
}

const group = 'broker-a';
const topic = 'BenchRecovery';
const bodyBytes = 1024;
/** Entries per Propose call and calls in flight: enough to keep the leader's group commit busy. */
const entriesPerRequest = 64;
const inflight = 4;
const startTimeoutMs = 60_000;
const loadTimeoutMs = 30 * 60_000;
const recoveryTimeoutMs = 120_000;
const pollMs = 20;
const timelineLinesMax = 12;

function entryBody(seq: number, n: number, queues: number): Buffer {
  const body = Buffer.alloc(bodyBytes, 0x61);
  const messages = Array.from({ length: n }, (_, j) => ({
    flag: 0, sysFlag: 0, reconsumeTimes: 0, bornHost: '127.0.0.1:50000', bornTimestampMs: 1_700_000_000_000 + seq + j,
    properties: emptyProperties({ tags: (seq + j) % 2 === 0 ? 'TagA' : 'TagB', keys: [`key-${(seq + j) % 10_000}`], uniqKey: `7F00000100002A9F0000${(seq + j).toString(16).padStart(12, '0')}` }),
    body,
  }));
  const queueId = Math.floor(seq / n) % queues;
  return Buffer.from(encodeMessageBatch({ topic, queueId, storeHost: '127.0.0.1:8081', storeTimestampMs: 1_700_000_000_000 + seq, messages }));
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Proposes every message through the leader, `inflight` calls at a time; returns the leader's commit after. */
async function load(cluster: LocalCluster, a: RecoveryProcessArgs): Promise<number> {
  await proposeRetrying(cluster, [Buffer.from(encodeCommand({ kind: CommandKind.TopicCreate, topic: topicConfig(topic, { readQueueNums: a.queues, writeQueueNums: a.queues }) }))], Date.now() + startTimeoutMs);
  let seq = 0;
  const deadline = Date.now() + loadTimeoutMs;
  const t0 = performance.now();
  let reported = 0;
  const worker = async (): Promise<void> => {
    // Bounded by the message count (and the deadline).
    while (seq < a.messages) {
      if (Date.now() > deadline) throw new Error(`load did not finish within ${loadTimeoutMs} ms`);
      const payloads: Buffer[] = [];
      for (let k = 0; k < entriesPerRequest && seq < a.messages; k++) {
        const n = Math.min(a.batch, a.messages - seq);
        payloads.push(entryBody(seq, n, a.queues));
        seq += n;
      }
      await proposeRetrying(cluster, payloads, deadline);
      if (seq - reported >= 100_000) {
        reported = seq;
        console.error(`proposed ${seq} messages (${Math.round(seq / ((performance.now() - t0) / 1000))} msg/s)`);
      }
    }
  };
  await Promise.all(Array.from({ length: inflight }, worker));
  console.error(`loaded ${a.messages} messages in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return (await (await cluster.waitForLeader(group, { timeoutMs: startTimeoutMs })).node.admin.status()).commit as number;
}

/**
 * Through whichever node leads, again after a retriable failure (a slow commit on a loaded
 * machine), until the deadline. A retried call of unknown outcome may commit twice: the bench
 * then holds a few more messages than asked for, which changes nothing it measures.
 */
async function proposeRetrying(cluster: LocalCluster, payloads: Buffer[], deadline: number): Promise<void> {
  const attempt = async (): Promise<void> => {
    const leader = await cluster.waitForLeader(group, { timeoutMs: Math.max(1_000, deadline - Date.now()) });
    await leader.node.admin.propose(payloads);
  };
  // Bounded by the deadline: a failure either throws or waits and tries again.
  for (;;) {
    const failed = await attempt().then(() => null, (err: unknown) => ({ err }));
    if (failed === null) return;
    if (!(failed.err instanceof AdminCallError && failed.err.retriable) || Date.now() >= deadline) throw failed.err;
    await sleep(pollMs);
  }
}

interface Recovery { toLeaderServingMs: number; toAllAppliedMs: number; leaderAppliedAtKill: number; appliedAtKill: number[]; restartWallMs: number; leaderId: string }

async function killAndRestart(cluster: LocalCluster, commit: number): Promise<Recovery> {
  const nodes = cluster.group(group);
  const before = await cluster.statuses(group);
  const appliedAtKill = nodes.map((n) => before.get(n.id)?.applied ?? -1);
  const leaderAppliedAtKill = Math.max(...appliedAtKill);
  await Promise.all(nodes.map((n) => cluster.kill(n.id, 'SIGKILL')));
  const t0 = performance.now();
  const restartWallMs = Date.now();
  let leaderId = '';
  for (const n of nodes) cluster.start(n.id);
  let toLeaderServingMs = -1;
  const deadline = Date.now() + recoveryTimeoutMs;
  // Bounded by the deadline.
  while (Date.now() < deadline) {
    const st = await cluster.statuses(group);
    const elapsed = performance.now() - t0;
    const serving = [...st].find(([, s]) => s.role === 'leader' && s.applied >= commit);
    if (toLeaderServingMs < 0 && serving !== undefined) {
      toLeaderServingMs = elapsed;
      leaderId = serving[0];
    }
    if (st.size === nodes.length && [...st.values()].every((s) => s.applied >= commit)) return { toLeaderServingMs, toAllAppliedMs: elapsed, leaderAppliedAtKill, appliedAtKill, restartWallMs, leaderId };
    await sleep(pollMs);
  }
  throw new Error(`the group did not apply ${commit} within ${recoveryTimeoutMs} ms of the restart`);
}

/** What the serving leader logged after the restart, ms from the restart (where the time went). */
function timeline(cluster: LocalCluster, r: Recovery): string {
  const lines = readFileSync(cluster.broker(r.leaderId).logFile, 'utf8').split('\n');
  const out: string[] = [];
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    const j = JSON.parse(line) as { time?: number; msg?: string };
    if (typeof j.time !== 'number' || j.time < r.restartWallMs || out.length >= timelineLinesMax) continue;
    out.push(`${String(j.time - r.restartWallMs).padStart(6)} ms  ${j.msg ?? ''}`);
  }
  return out.join('\n');
}

export async function benchRecoveryProcess(a: RecoveryProcessArgs): Promise<void> {
  const root = mkdtempSync(path.join(tmpdir(), 'ledgermq-bench-recovery-'));
  const cluster = await LocalCluster.create({ dataDir: root, ports: 'auto' });
  try {
    cluster.startAll();
    await cluster.waitForNamesrvs(startTimeoutMs);
    const commit = await load(cluster, a);
    const r = await killAndRestart(cluster, commit);
    const rows: [string, string][] = [
      ['messages (1 KiB bodies)', `${a.messages} (${a.batch}/entry), ${a.queues} queues, commit index ${commit}`],
      ['applied at the kill, per node', r.appliedAtKill.join(' / ')],
      ['kill -9 of every node -> a leader serving everything committed, ms (target 5,000)', Math.round(r.toLeaderServingMs).toLocaleString('en')],
      ['kill -9 of every node -> every node applied it, ms', Math.round(r.toAllAppliedMs).toLocaleString('en')],
    ];
    const w = Math.max(...rows.map(([k]) => k.length));
    console.log('bench:store --recovery-process — one run, real processes (LocalCluster, three nodes)');
    for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
    console.log(`the serving leader's log after the restart (${r.leaderId}):\n${timeline(cluster, r)}`);
    if (a.json) writeFileSync(a.json, `${JSON.stringify({ ...a, commit, ...r }, null, 2)}\n`);
  } finally {
    await cluster.close(2_000);
    if (a.keep) console.error(`kept ${root}`);
    else rmSync(root, { recursive: true, force: true });
  }
}
