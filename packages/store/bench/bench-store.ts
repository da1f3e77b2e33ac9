// npm run bench:store [-- --messages N --batch M --queues Q --runs R --unflushed U --json FILE]
// npm run bench:store -- --recovery-process [--messages N --batch M --live L --keep]: kill -9 of
//   real node processes holding N messages, to serving again (bench-recovery-process.ts; defaults
//   1,000,000 messages, 16 per entry, the last 64,000 proposed to the running group).
//
// One node, in process: a real Ledger with the entries pre-written (1 KiB bodies, a tag, one
// key and a client id each: two LevelDB index entries per message), and a real StoreStateMachine.
//  - apply: messages through apply() into the ConsumeQueues + index + metadata, with the
//    checkpoints a node would take (one started per 200,000 messages = 1 s at the target rate,
//    without waiting for it, plus the store's own at indexFlushEntries; the last one waited
//    for). Reported three ways, because the machine is shared: main-thread CPU (from
//    /proc/self/task/<pid>/schedstat: what one core would do, the target's terms), wall time
//    (includes waiting for the LevelDB write and any preemption), and the CPU of all threads
//    (LevelDB's writer and compactions) per message. Reading the log is not counted (its
//    main-thread CPU is measured and taken out).
//  - read: messages/s through reader.readQueue (32 per call) over every queue, from the log.
//  - recovery: a store "killed" U messages past its last checkpoint (its files copied while
//    open: the page cache is what survives a process kill): reopen the ledger, open the store
//    (cuts the ConsumeQueues back) and replay to the end = serving from this store. (A node's
//    process start, election and catch-up are not in it.)
//  - disk bytes per message beyond the body: ledger, ConsumeQueue and LevelDB (after compaction
//    has had the time the run took; LevelDB's log and level-0 files shrink later).
// Best and spread over the runs. No asserts: this measures.

import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ledger, RealFileSystem } from '@ledgermq/ledger';
import { type Entry, EntryType } from '@ledgermq/raft';
import { CommandKind, emptyProperties, encodeCommand, encodeMessageBatch, StoreStateMachine, topicConfig } from '@ledgermq/store';
import { BenchUsageError, runBench, type BenchArgs } from '@ledgermq/raft-node';
import { benchRecoveryProcess, liveMessagesDefault } from './bench-recovery-process.ts';

interface Args { messages: number; batch: number; runs: number; json: string | null; queues: number; unflushed: number; recoveryProcess: boolean; keep: boolean; live: number }

const command = {
  name: 'bench:store',
  usage: [
    '  --messages N          messages written and applied (1000000)',
    '  --batch M             messages per log entry, at most 1024 (1; 16 with --recovery-process)',
    '  --queues Q            ConsumeQueues of the topic (8)',
    '  --runs R              runs; best and spread are reported (3)',
    '  --unflushed U         messages past the last checkpoint at the simulated kill (200000)',
    '  --json FILE           also write the result as JSON',
    '  --recovery-process    kill -9 of real node processes instead (see the header of bench-store.ts)',
    `  --live L              with --recovery-process: messages proposed to the running group (${liveMessagesDefault})`,
    '  --keep                with --recovery-process: keep the data directory',
  ].join('\n'),
  flags: {
    messages: { kind: 'integer', default: 1_000_000 },
    batch: { kind: 'integer' },
    queues: { kind: 'integer', default: 8 },
    runs: { kind: 'integer', default: 3 },
    unflushed: { kind: 'integer', default: 200_000, min: 0 },
    json: { kind: 'string' },
    'recovery-process': { kind: 'boolean' },
    live: { kind: 'integer', default: liveMessagesDefault, min: 0 },
    keep: { kind: 'boolean' },
  },
} as const;

function argsOf(v: BenchArgs<typeof command.flags>): Args {
  const recoveryProcess = v['recovery-process'];
  const a: Args = { messages: v.messages, batch: v.batch ?? (recoveryProcess ? 16 : 1), runs: v.runs, json: v.json ?? null, queues: v.queues, unflushed: v.unflushed, recoveryProcess, keep: v.keep, live: v.live };
  if (a.batch > 1024) throw new BenchUsageError('--batch is at most 1024 messages per entry');
  if (!a.recoveryProcess && a.unflushed >= a.messages) throw new BenchUsageError('--unflushed must be below --messages');
  return a;
}

const bodyBytes = 1024;
const topic = 'BenchTopic';
const checkpointEveryMessages = 200_000;
const applyChunkEntries = 256;
const schedstat = `/proc/self/task/${process.pid}/schedstat`;

/** CPU time of the main thread so far, ms (the kernel's run time of this task, in ns). */
function mainCpuMs(): number {
  return Number(readFileSync(schedstat, 'utf8').split(' ')[0]) / 1e6;
}

/** CPU time of every thread of the process so far, ms. */
function processCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function duBytes(p: string): number {
  const st = statSync(p);
  if (!st.isDirectory()) return st.size;
  let n = 0;
  for (const name of readdirSync(p)) n += duBytes(path.join(p, name));
  return n;
}

function openLedger(dir: string): Ledger {
  return Ledger.open({ fs: new RealFileSystem(), dir, groupId: 'bench', segmentBytes: 256 * 1024 * 1024 });
}

/** Writes the log: a topic create, then messages/batch entries of `batch` messages each. */
function writeLog(dir: string, a: Args): { ledger: Ledger; bodyTotal: number } {
  const ledger = openLedger(dir);
  let index = 0;
  const next = (data: Uint8Array): Entry => ({ index: ++index, term: 1, type: EntryType.Normal, data });
  ledger.append([next(encodeCommand({ kind: CommandKind.TopicCreate, topic: topicConfig(topic, { readQueueNums: a.queues, writeQueueNums: a.queues }) }))]);
  const body = Buffer.alloc(bodyBytes, 0x61);
  let seq = 0;
  let pending: Entry[] = [];
  while (seq < a.messages) {
    const n = Math.min(a.batch, a.messages - seq);
    const queueId = Math.floor(seq / a.batch) % a.queues;
    const messages = Array.from({ length: n }, (_, j) => ({
      flag: 0, sysFlag: 0, reconsumeTimes: 0, bornHost: '10.0.0.9:50000', bornTimestampMs: 1_700_000_000_000 + seq + j,
      properties: emptyProperties({ tags: (seq + j) % 2 === 0 ? 'TagA' : 'TagB', keys: [`key-${(seq + j) % 10_000}`], uniqKey: `7F00000100002A9F0000${(seq + j).toString(16).padStart(12, '0')}` }),
      body,
    }));
    pending.push(next(encodeMessageBatch({ topic, queueId, storeHost: '10.0.0.1:10911', storeTimestampMs: 1_700_000_000_000 + seq, messages })));
    seq += n;
    if (pending.length >= 1024) {
      ledger.append(pending);
      pending = [];
    }
  }
  if (pending.length > 0) ledger.append(pending);
  ledger.sync();
  return { ledger, bodyTotal: a.messages * bodyBytes };
}

/** Reads entries [i, min(i + chunk, to + 1)) (timed into `logRead`) and applies them; returns how many. */
function applyChunk(store: StoreStateMachine, ledger: Ledger, i: number, to: number, logRead: { wallMs: number; mainCpuMs: number }): number {
  const r0 = mainCpuMs();
  const w0 = performance.now();
  const chunk = ledger.entries(i, Math.min(i + applyChunkEntries, to + 1), 1 << 30);
  logRead.wallMs += performance.now() - w0;
  logRead.mainCpuMs += mainCpuMs() - r0;
  store.apply(chunk);
  return chunk.length;
}

interface ApplyCost { messages: number; wallMs: number; mainCpuMs: number; processCpuMs: number; checkpointWaitMs: number }

/**
 * Applies entries (from, to] in chunks, checkpointing every `checkpointEvery` messages (and at
 * the end when `flushAtEnd`). The log reads are timed apart and taken out of every figure.
 */
async function applyRange(store: StoreStateMachine, ledger: Ledger, to: number, batch: number, flushAtEnd: boolean, checkpointEvery: number): Promise<ApplyCost> {
  let checkpointWaitMs = 0;
  let since = 0;
  const first = store.lastApplied() + 1;
  const wall0 = performance.now();
  const main0 = mainCpuMs();
  const proc0 = processCpuMs();
  const logRead = { wallMs: 0, mainCpuMs: 0 };
  for (let i = first; i <= to; i += applyChunkEntries) {
    since += applyChunk(store, ledger, i, to, logRead) * batch;
    if (since >= checkpointEvery) {
      // As the node's timer does: start a checkpoint and go on applying while LevelDB writes.
      store.checkpoint();
      since = 0;
      await new Promise(setImmediate); // let the flush start (its write runs on another thread)
    }
  }
  if (flushAtEnd) {
    const f = performance.now();
    await store.flush();
    checkpointWaitMs += performance.now() - f;
  }
  return {
    messages: (to - first + 1) * batch,
    wallMs: performance.now() - wall0 - logRead.wallMs,
    mainCpuMs: mainCpuMs() - main0 - logRead.mainCpuMs,
    processCpuMs: processCpuMs() - proc0 - logRead.mainCpuMs,
    checkpointWaitMs,
  };
}

/**
 * Applies (durable, to] and copies the store's files before returning, all synchronously: no
 * checkpoint can start in between (a flush needs the event loop), so the copy is the image of
 * a process killed exactly (to - durable) entries past its checkpoint.
 */
function applyTailThenCopy(store: StoreStateMachine, ledger: Ledger, to: number, batch: number, storeDir: string, crashed: string): ApplyCost {
  const logRead = { wallMs: 0, mainCpuMs: 0 };
  const first = store.lastApplied() + 1;
  const wall0 = performance.now();
  const main0 = mainCpuMs();
  const proc0 = processCpuMs();
  for (let i = first; i <= to; i += applyChunkEntries) applyChunk(store, ledger, i, to, logRead);
  const cost = {
    messages: (to - first + 1) * batch, wallMs: performance.now() - wall0 - logRead.wallMs, mainCpuMs: mainCpuMs() - main0 - logRead.mainCpuMs,
    processCpuMs: processCpuMs() - proc0 - logRead.mainCpuMs, checkpointWaitMs: 0,
  };
  cpSync(storeDir, crashed, { recursive: true });
  return cost;
}

function readAll(store: StoreStateMachine, queues: number): { wallMs: number; mainCpuMs: number; messages: number } {
  const w = performance.now();
  const c = mainCpuMs();
  let messages = 0;
  for (let q = 0; q < queues; q++) {
    let offset = 0;
    for (;;) {
      const r = store.reader.readQueue(topic, q, offset, { countMax: 32 });
      if (r.messages.length === 0) break;
      messages += r.messages.length;
      offset = r.nextOffset;
    }
  }
  return { wallMs: performance.now() - w, mainCpuMs: mainCpuMs() - c, messages };
}

interface RunResult {
  applyPerMainCpuSec: number; applyPerWallSec: number; allThreadsCpuUsPerMessage: number; checkpointWaitShare: number;
  readPerMainCpuSec: number; readPerWallSec: number;
  replayed: number; recoveryMs: number; recoveryMainCpuMs: number; ledgerOpenMs: number; storeOpenMs: number; replayMs: number;
  bytes: { ledger: number; cq: number; db: number };
}

async function runOnce(root: string, ledgerDir: string, a: Args, lastIndex: number): Promise<RunResult> {
  const storeDir = path.join(root, `store-${Date.now()}`);
  let ledger = openLedger(ledgerDir);
  const store = await StoreStateMachine.open({ dir: storeDir, log: ledger });
  // Apply up to `cut` with the regular checkpoints, then the rest without one: the files copied
  // at that moment are the image of a process killed `replayed` messages past its checkpoint.
  const cut = Math.max(1, lastIndex - Math.ceil(a.unflushed / a.batch));
  const head = await applyRange(store, ledger, cut, a.batch, true, checkpointEveryMessages);
  const crashed = path.join(root, `crashed-${Date.now()}`);
  const tail = applyTailThenCopy(store, ledger, lastIndex, a.batch, storeDir, crashed);
  const w = performance.now();
  const c = mainCpuMs();
  const p = processCpuMs();
  await store.flush();
  const last: ApplyCost = { messages: 0, wallMs: performance.now() - w, mainCpuMs: mainCpuMs() - c, processCpuMs: processCpuMs() - p, checkpointWaitMs: performance.now() - w };
  const sum = (f: (x: ApplyCost) => number) => f(head) + f(tail) + f(last);
  const read = readAll(store, a.queues);
  if (read.messages !== a.messages) throw new Error(`read ${read.messages} of ${a.messages} messages`);
  const bytes = { ledger: duBytes(ledgerDir), cq: duBytes(path.join(storeDir, 'consumequeue')), db: duBytes(path.join(storeDir, 'db')) };
  await store.close();
  ledger.close();
  rmSync(storeDir, { recursive: true, force: true });

  const t0 = performance.now();
  const c0 = mainCpuMs();
  ledger = openLedger(ledgerDir);
  const t1 = performance.now();
  const recovered = await StoreStateMachine.open({ dir: crashed, log: ledger });
  const t2 = performance.now();
  if (recovered.appliedIndex() !== cut) throw new Error(`recovered at ${recovered.appliedIndex()}, expected ${cut}`);
  for (let i = recovered.lastApplied() + 1; i <= lastIndex; i += applyChunkEntries) recovered.apply(ledger.entries(i, Math.min(i + applyChunkEntries, lastIndex + 1), 1 << 30));
  const t3 = performance.now();
  const recoveryMainCpuMs = mainCpuMs() - c0;
  await recovered.close();
  ledger.close();
  rmSync(crashed, { recursive: true, force: true });
  const wallMs = sum((x) => x.wallMs);
  return {
    applyPerMainCpuSec: a.messages / (sum((x) => x.mainCpuMs) / 1000),
    applyPerWallSec: a.messages / (wallMs / 1000),
    allThreadsCpuUsPerMessage: (sum((x) => x.processCpuMs) * 1000) / a.messages,
    checkpointWaitShare: sum((x) => x.checkpointWaitMs) / wallMs,
    readPerMainCpuSec: read.messages / (read.mainCpuMs / 1000),
    readPerWallSec: read.messages / (read.wallMs / 1000),
    replayed: (lastIndex - cut) * a.batch,
    recoveryMs: t3 - t0, recoveryMainCpuMs, ledgerOpenMs: t1 - t0, storeOpenMs: t2 - t1, replayMs: t3 - t2, bytes,
  };
}

/** Best (max or min) and the spread (max - min) of a figure over the runs. */
function stat(runs: RunResult[], f: (x: RunResult) => number, best: 'max' | 'min'): { best: number; spread: number } {
  const xs = runs.map(f);
  const hi = Math.max(...xs);
  const lo = Math.min(...xs);
  return { best: best === 'max' ? hi : lo, spread: hi - lo };
}

async function main(values: BenchArgs<typeof command.flags>): Promise<void> {
  const a = argsOf(values);
  if (a.recoveryProcess) return benchRecoveryProcess(a);
  const root = mkdtempSync(path.join(tmpdir(), 'ledgermq-bench-store-'));
  try {
    const ledgerDir = path.join(root, 'ledger');
    const tw = performance.now();
    const { ledger, bodyTotal } = writeLog(ledgerDir, a);
    const lastIndex = ledger.lastIndex();
    ledger.close();
    console.error(`wrote ${a.messages} messages (${a.batch}/entry, ${lastIndex} entries) in ${((performance.now() - tw) / 1000).toFixed(1)} s`);
    const runs: RunResult[] = [];
    for (let r = 0; r < a.runs; r++) {
      runs.push(await runOnce(root, ledgerDir, a, lastIndex));
      console.error(`run ${r + 1}/${a.runs}: ${JSON.stringify(runs[runs.length - 1])}`);
    }
    const perMsg = (b: number) => b / a.messages;
    const ledgerOver = perMsg(runs[0].bytes.ledger - bodyTotal);
    const dbBytes = stat(runs, (x) => x.bytes.db, 'min').best;
    const result = {
      messages: a.messages, messagesPerEntry: a.batch, queues: a.queues, bodyBytes, runs: a.runs,
      applyMessagesPerMainThreadCpuSec: stat(runs, (x) => x.applyPerMainCpuSec, 'max'),
      applyMessagesPerWallSec: stat(runs, (x) => x.applyPerWallSec, 'max'),
      applyAllThreadsCpuUsPerMessage: stat(runs, (x) => x.allThreadsCpuUsPerMessage, 'min'),
      applyCheckpointWaitShare: stat(runs, (x) => x.checkpointWaitShare, 'min'),
      readMessagesPerMainThreadCpuSec: stat(runs, (x) => x.readPerMainCpuSec, 'max'),
      readMessagesPerWallSec: stat(runs, (x) => x.readPerWallSec, 'max'),
      recoveryMs: stat(runs, (x) => x.recoveryMs, 'min'),
      recoveryMainThreadCpuMs: stat(runs, (x) => x.recoveryMainCpuMs, 'min'),
      recoveryParts: { ledgerOpenMs: stat(runs, (x) => x.ledgerOpenMs, 'min'), storeOpenMs: stat(runs, (x) => x.storeOpenMs, 'min'), replayMs: stat(runs, (x) => x.replayMs, 'min'), replayedMessages: runs[0].replayed },
      diskBytesPerMessageBeyondBody: {
        ledger: +ledgerOver.toFixed(1), consumeQueue: +perMsg(runs[0].bytes.cq).toFixed(1), leveldb: +perMsg(dbBytes).toFixed(1),
        total: +(ledgerOver + perMsg(runs[0].bytes.cq) + perMsg(dbBytes)).toFixed(1),
      },
      samples: runs,
    };
    const n = (s: { best: number; spread: number }, digits = 0) => `${s.best.toLocaleString('en', { maximumFractionDigits: digits })} (spread ${s.spread.toLocaleString('en', { maximumFractionDigits: digits })})`;
    const d = result.diskBytesPerMessageBeyondBody;
    const rows: [string, string][] = [
      ['messages (1 KiB bodies)', `${a.messages} in ${lastIndex - 1} entries (${a.batch}/entry), ${a.queues} queues`],
      ['apply, msg/s of main-thread CPU (target 200,000)', n(result.applyMessagesPerMainThreadCpuSec)],
      ['apply, msg/s of wall time (shared machine)', n(result.applyMessagesPerWallSec)],
      ['apply, CPU µs/msg of all threads (LevelDB too)', n(result.applyAllThreadsCpuUsPerMessage, 2)],
      ['apply, share of wall time awaiting the last checkpoint', n(result.applyCheckpointWaitShare, 3)],
      ['read by queue range (32/call), msg/s of main-thread CPU (target 300,000)', n(result.readMessagesPerMainThreadCpuSec)],
      ['read by queue range, msg/s of wall time', n(result.readMessagesPerWallSec)],
      [`recovery after kill (${runs[0].replayed} msgs past checkpoint, ${a.messages} held), ms (target 5,000)`, `${n(result.recoveryMs)}; main-thread CPU ${n(result.recoveryMainThreadCpuMs)}`],
      ['  ledger open / store open / replay, ms', `${n(result.recoveryParts.ledgerOpenMs)} / ${n(result.recoveryParts.storeOpenMs)} / ${n(result.recoveryParts.replayMs)}`],
      ['disk bytes/message beyond body', `${d.total} (ledger ${d.ledger}, ConsumeQueue ${d.consumeQueue}, LevelDB ${d.leveldb})`],
    ];
    const w = Math.max(...rows.map(([k]) => k.length));
    console.log(`bench:store — best of ${a.runs} runs (spread = max - min)`);
    for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
    if (a.json) writeFileSync(a.json, `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

runBench(command, main);
