// npm run bench:store [-- --messages N --batch M --runs R --json FILE]
//
// One node, in process: a real Ledger with the entries pre-written (1 KiB bodies, a tag, one
// key and a client id each: three index entries per message), and a real StoreStateMachine.
//  - apply: messages/s through apply() into the ConsumeQueues + index + metadata, including the
//    checkpoints (a flush every 100,000 messages, as the node's 1 s checkpoint would).
//  - read: messages/s through reader.readQueue (32 per call) over every queue, from the log.
//  - recovery: a store "killed" with 100,000 applied messages past its last checkpoint (its
//    files copied while open, the page cache being what survives a process kill): reopen the
//    ledger, open the store (cuts the ConsumeQueues back) and replay to the end = serving.
//    (The Raft node's own start-up, elections and catching up are not part of it.)
//  - disk bytes per message beyond the body: ledger, ConsumeQueue and LevelDB bytes.
// Medians over the runs. No asserts: this measures.

import { cpSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ledger, RealFileSystem } from '@ledgermq/ledger';
import { type Entry, EntryType } from '@ledgermq/raft';
import { CommandKind, emptyProperties, encodeCommand, encodeMessageBatch, StoreStateMachine, topicConfig } from '@ledgermq/store';

interface Args { messages: number; batch: number; runs: number; json: string | null; queues: number }

function parseArgs(argv: string[]): Args {
  const a: Args = { messages: 1_000_000, batch: 1, runs: 3, json: null, queues: 8 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[i + 1];
    if (k === '--messages') a.messages = Number(v);
    else if (k === '--batch') a.batch = Number(v);
    else if (k === '--runs') a.runs = Number(v);
    else if (k === '--queues') a.queues = Number(v);
    else if (k === '--json') a.json = v ?? null;
    else continue;
    i++;
  }
  return a;
}

const bodyBytes = 1024;
const topic = 'BenchTopic';
const flushEveryMessages = 100_000;
const unflushedAtCrash = 100_000;
const applyChunkEntries = 256;

function duBytes(p: string): number {
  const st = statSync(p);
  if (!st.isDirectory()) return st.size;
  let n = 0;
  for (const name of readdirSync(p)) n += duBytes(path.join(p, name));
  return n;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
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
    const queueId = (seq / a.batch) % a.queues | 0;
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

/** Applies entries (from, to] in chunks; returns the seconds spent in apply() and in flush(). */
async function applyRange(store: StoreStateMachine, ledger: Ledger, to: number, batch: number, flushAtEnd: boolean, flushEvery: number): Promise<{ apply: number; flush: number }> {
  let applyMs = 0;
  let flushMs = 0;
  let sinceFlush = 0;
  for (let i = store.lastApplied() + 1; i <= to; i += applyChunkEntries) {
    const chunk = ledger.entries(i, Math.min(i + applyChunkEntries, to + 1), 1 << 30); // reading the log is not timed
    const t = performance.now();
    store.apply(chunk);
    applyMs += performance.now() - t;
    sinceFlush += chunk.length * batch;
    if (sinceFlush >= flushEvery || (flushAtEnd && i + applyChunkEntries > to)) {
      const f = performance.now();
      await store.flush();
      flushMs += performance.now() - f;
      sinceFlush = 0;
    }
  }
  return { apply: applyMs / 1000, flush: flushMs / 1000 };
}

function readAll(store: StoreStateMachine, queues: number): { seconds: number; messages: number } {
  const t = performance.now();
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
  return { seconds: (performance.now() - t) / 1000, messages };
}

interface RunResult { applyPerSec: number; applyOnlyPerSec: number; flushShare: number; readPerSec: number; replayed: number; recoveryMs: number; ledgerOpenMs: number; storeOpenMs: number; replayMs: number; bytes: { ledger: number; cq: number; db: number } }

async function runOnce(root: string, ledgerDir: string, a: Args, lastIndex: number): Promise<RunResult> {
  const storeDir = path.join(root, `store-${Date.now()}`);
  let ledger = openLedger(ledgerDir);
  const store = await StoreStateMachine.open({ dir: storeDir, log: ledger });
  // Apply up to `cut` with the regular checkpoints, then the rest without one: the files copied
  // at that moment are the image of a process killed `replayed` messages past its checkpoint.
  const cut = Math.max(1, lastIndex - Math.ceil(unflushedAtCrash / a.batch));
  const head = await applyRange(store, ledger, cut, a.batch, true, flushEveryMessages);
  const tail = await applyRange(store, ledger, lastIndex, a.batch, false, Number.POSITIVE_INFINITY);
  const crashed = path.join(root, `crashed-${Date.now()}`);
  cpSync(storeDir, crashed, { recursive: true });
  const f = performance.now();
  await store.flush();
  const lastFlush = (performance.now() - f) / 1000;
  const applyOnly = head.apply + tail.apply;
  const applySeconds = applyOnly + head.flush + lastFlush;
  const read = readAll(store, a.queues);
  if (read.messages !== a.messages) throw new Error(`read ${read.messages} of ${a.messages} messages`);
  const bytes = { ledger: duBytes(ledgerDir), cq: duBytes(path.join(storeDir, 'consumequeue')), db: duBytes(path.join(storeDir, 'db')) };
  await store.close();
  ledger.close();
  rmSync(storeDir, { recursive: true, force: true });

  const t0 = performance.now();
  ledger = openLedger(ledgerDir);
  const t1 = performance.now();
  const recovered = await StoreStateMachine.open({ dir: crashed, log: ledger });
  const t2 = performance.now();
  if (recovered.appliedIndex() !== cut) throw new Error(`recovered at ${recovered.appliedIndex()}, expected ${cut}`);
  for (let i = recovered.lastApplied() + 1; i <= lastIndex; i += applyChunkEntries) recovered.apply(ledger.entries(i, Math.min(i + applyChunkEntries, lastIndex + 1), 1 << 30));
  const t3 = performance.now();
  await recovered.close();
  ledger.close();
  rmSync(crashed, { recursive: true, force: true });
  return {
    applyPerSec: a.messages / applySeconds, applyOnlyPerSec: a.messages / applyOnly, flushShare: (applySeconds - applyOnly) / applySeconds,
    readPerSec: read.messages / read.seconds, replayed: (lastIndex - cut) * a.batch,
    recoveryMs: t3 - t0, ledgerOpenMs: t1 - t0, storeOpenMs: t2 - t1, replayMs: t3 - t2, bytes,
  };
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
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
    const m = (f: (x: RunResult) => number) => median(runs.map(f));
    const perMsg = (b: number) => b / a.messages;
    const ledgerOver = perMsg(runs[0].bytes.ledger - bodyTotal);
    const result = {
      messages: a.messages, messagesPerEntry: a.batch, queues: a.queues, bodyBytes, runs: a.runs,
      applyMessagesPerSec: Math.round(m((x) => x.applyPerSec)),
      applyWithoutCheckpointsMessagesPerSec: Math.round(m((x) => x.applyOnlyPerSec)),
      checkpointShareOfApply: +m((x) => x.flushShare).toFixed(3),
      readMessagesPerSec: Math.round(m((x) => x.readPerSec)),
      recoveryMs: Math.round(m((x) => x.recoveryMs)),
      recoveryParts: { ledgerOpenMs: Math.round(m((x) => x.ledgerOpenMs)), storeOpenMs: Math.round(m((x) => x.storeOpenMs)), replayMs: Math.round(m((x) => x.replayMs)), replayedMessages: runs[0].replayed },
      diskBytesPerMessageBeyondBody: {
        ledger: +ledgerOver.toFixed(1), consumeQueue: +perMsg(runs[0].bytes.cq).toFixed(1), leveldb: +perMsg(m((x) => x.bytes.db)).toFixed(1),
        total: +(ledgerOver + perMsg(runs[0].bytes.cq) + perMsg(m((x) => x.bytes.db))).toFixed(1),
      },
      samples: runs,
    };
    const rows: [string, string][] = [
      ['messages (1 KiB bodies)', `${a.messages} in ${lastIndex - 1} entries (${a.batch}/entry), ${a.queues} queues`],
      ['apply (CQ + index + metadata, with checkpoints)', `${result.applyMessagesPerSec.toLocaleString('en')} msg/s`],
      ['  of which apply() alone / checkpoint share', `${result.applyWithoutCheckpointsMessagesPerSec.toLocaleString('en')} msg/s / ${(result.checkpointShareOfApply * 100).toFixed(0)}% of the time in flush()`],
      ['read by queue range (32/call)', `${result.readMessagesPerSec.toLocaleString('en')} msg/s`],
      [`recovery after kill (${runs[0].replayed} msgs past checkpoint)`, `${result.recoveryMs} ms (ledger open ${result.recoveryParts.ledgerOpenMs}, store open ${result.recoveryParts.storeOpenMs}, replay ${result.recoveryParts.replayMs})`],
      ['disk bytes/message beyond body', `${result.diskBytesPerMessageBeyondBody.total} (ledger ${result.diskBytesPerMessageBeyondBody.ledger}, CQ ${result.diskBytesPerMessageBeyondBody.consumeQueue}, LevelDB ${result.diskBytesPerMessageBeyondBody.leveldb})`],
    ];
    const w = Math.max(...rows.map(([k]) => k.length));
    console.log(`bench:store — medians of ${a.runs} runs`);
    for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
    if (a.json) writeFileSync(a.json, `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
