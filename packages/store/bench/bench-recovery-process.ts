// npm run bench:store -- --recovery-process [--messages N --batch M --queues Q --live L --json FILE]
//
// The recovery figure on real processes: a LocalCluster (a NameServer and a three-node
// broker group, loopback, free ports) holding N messages (1 KiB bodies, a tag, a key and a
// client id each, M per entry); then every broker node is killed with SIGKILL at once, mid-apply
// on the followers (the load's last acks are not waited for on them), and started again.
//
// Loading: the first N - L messages are written straight into the group's Raft log, the same
// bytes on every node (the Ledger the nodes use, term 1, committed), and applied to a store as a
// node applies them (StoreStateMachine, a chunk of entries per event-loop turn, so its own
// checkpoints run as they do on a node), copied to every node, before the nodes start. (Nodes
// left to apply a million preloaded entries at their first start do it in one synchronous run,
// without a checkpoint until the end: one huge LevelDB write still being compacted at the
// kill, which is no state a loaded group is in.) The last L messages (default liveMessagesDefault, `--live N` for all) go
// through the admin Propose RPC of the running group, so the kill meets the same state as
// before: followers mid-apply, unflushed store changes, LevelDB's log. Loading everything
// through Propose took 775 s for a million messages on the shared two-core machine (the
// replication path slows down as the log grows), which made the figure nearly unusable. Timed from the restart to serving: a leader whose admin
// Status reports that it applied everything committed before the kill, and to every node
// having applied it. Process start-up (module loading: LocalCluster runs nodes from its bundle,
// broker/src/local/node-bundle.ts) is in the figure: it is part of "kill -9 to serving". Node
// configuration is the default (verifyCommitLogOnStart=true: the whole log's CRCs are checked
// at every start). One run; no asserts: this measures.

import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LocalCluster } from '@ledgermq/broker/local';
import { Ledger, RealFileSystem } from '@ledgermq/ledger';
import { type Entry, EntryType } from '@ledgermq/raft';
import { AdminCallError, loadConfigFile } from '@ledgermq/raft-node';
import { CommandKind, emptyProperties, encodeCommand, encodeMessageBatch, StoreStateMachine, topicConfig } from '@ledgermq/store';

export interface RecoveryProcessArgs {
  readonly messages: number;
  readonly batch: number;
  readonly queues: number;
  readonly json: string | null;
  /** Messages loaded through the running group (the rest is written into the log before it starts). */
  readonly live: number;
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
/** Messages loaded through the running group by default: enough that the kill meets a busy group. */
export const liveMessagesDefault = 64_000;
/** Entries per Ledger.append while writing the log before the start. */
const preloadAppendEntries = 1024;
/** Entries per store.apply() while applying it (a node's apply batches are of this order). */
const preloadApplyEntries = 64;
/** The preloaded log's leader and term (the nodes elect a new leader in a later term). */
const preloadTerm = 1;
const preloadLeader = 'n0';
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

/**
 * Writes the topic and messages [0, count) into every node's Raft log before the nodes start:
 * one Ledger written as the nodes open theirs (their configuration's directory, group id and
 * segment size), committed in its hard state, copied to the other nodes (replicas are
 * byte-identical). Returns the last index.
 */
async function preload(cluster: LocalCluster, a: RecoveryProcessArgs, count: number): Promise<number> {
  const nodes = cluster.group(group);
  const cfgs = nodes.map((n) => loadConfigFile(n.plan.configFile, () => {}));
  const raftDir = (dataDir: string) => path.join(dataDir, 'raft');
  const ledger = Ledger.open({ fs: new RealFileSystem(), dir: raftDir(cfgs[0].dataDir), groupId: cfgs[0].groupId, segmentBytes: cfgs[0].segmentBytes });
  let index = 0;
  const next = (data: Uint8Array): Entry => ({ index: ++index, term: preloadTerm, type: EntryType.Normal, data });
  ledger.append([next(topicCreate(a))]);
  let pending: Entry[] = [];
  // Bounded by the message count.
  for (let seq = 0; seq < count; ) {
    const n = Math.min(a.batch, count - seq);
    pending.push(next(entryBody(seq, n, a.queues)));
    seq += n;
    if (pending.length >= preloadAppendEntries || seq >= count) {
      ledger.append(pending);
      pending = [];
    }
  }
  ledger.sync();
  ledger.saveHardState({ term: preloadTerm, vote: preloadLeader, commit: index });
  const storeDir = (dataDir: string) => path.join(dataDir, 'store');
  const store = await StoreStateMachine.open({ dir: storeDir(cfgs[0].dataDir), log: ledger });
  // Bounded by the log: each round applies at least one entry.
  for (let i = 1; i <= index; i += preloadApplyEntries) {
    store.apply(ledger.entries(i, Math.min(i + preloadApplyEntries, index + 1), Number.MAX_SAFE_INTEGER));
    await new Promise(setImmediate); // the store's own checkpoints run between applies, as on a node
  }
  await store.close();
  ledger.close();
  for (const cfg of cfgs.slice(1)) {
    cpSync(raftDir(cfgs[0].dataDir), raftDir(cfg.dataDir), { recursive: true });
    cpSync(storeDir(cfgs[0].dataDir), storeDir(cfg.dataDir), { recursive: true });
  }
  return index;
}

function topicCreate(a: RecoveryProcessArgs): Buffer {
  return Buffer.from(encodeCommand({ kind: CommandKind.TopicCreate, topic: topicConfig(topic, { readQueueNums: a.queues, writeQueueNums: a.queues }) }));
}

/** Waits until every node of the group applied `index` (the preloaded log). */
async function waitApplied(cluster: LocalCluster, index: number): Promise<void> {
  const deadline = Date.now() + loadTimeoutMs;
  // Bounded by the deadline.
  while (Date.now() < deadline) {
    const st = await cluster.statuses(group).catch(() => new Map());
    if (st.size === cluster.group(group).length && [...st.values()].every((s) => s.applied >= index)) return;
    await sleep(pollMs * 10);
  }
  throw new Error(`the group did not apply the preloaded log (${index}) within ${loadTimeoutMs} ms`);
}

/**
 * Proposes messages [from, a.messages) through the leader, `inflight` calls at a time (the topic
 * too when nothing was preloaded); returns the leader's commit after.
 */
async function load(cluster: LocalCluster, a: RecoveryProcessArgs, from: number): Promise<number> {
  if (from === 0) await proposeRetrying(cluster, [topicCreate(a)], Date.now() + startTimeoutMs);
  let seq = from;
  const deadline = Date.now() + loadTimeoutMs;
  const t0 = performance.now();
  let reported = from;
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
        console.error(`proposed ${seq - from} messages (${Math.round((seq - from) / ((performance.now() - t0) / 1000))} msg/s)`);
      }
    }
  };
  await Promise.all(Array.from({ length: inflight }, worker));
  console.error(`proposed ${a.messages - from} messages through the group in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
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
    const offline = a.messages - Math.min(a.live, a.messages);
    const t0 = performance.now();
    const preloaded = offline > 0 ? await preload(cluster, a, offline) : 0;
    if (offline > 0) console.error(`wrote and applied ${offline} messages (entries 1..${preloaded}) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    cluster.startAll();
    await cluster.waitForNamesrvs(startTimeoutMs);
    if (offline > 0) {
      const t1 = performance.now();
      await waitApplied(cluster, preloaded);
      console.error(`the nodes started at ${preloaded} in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
    }
    const commit = await load(cluster, a, offline);
    console.error(`loaded ${a.messages} messages in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const r = await killAndRestart(cluster, commit);
    const rows: [string, string][] = [
      ['messages (1 KiB bodies)', `${a.messages} (${a.batch}/entry), ${a.queues} queues, commit index ${commit}`],
      ['  written into the log before the start / proposed to the running group', `${offline} / ${a.messages - offline}`],
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
