// Power loss for the store's own files: the ConsumeQueues run on a VolatileFileSystem, so the
// files on disk hold only what a checkpoint fsynced, and copying the store directory at any
// instant is what a power cut would leave of it (LevelDB cannot be intercepted: the copy keeps
// its unsynced writes, which the header of store-state-machine.ts argues are safe to lose).
// After the cut, optionally a torn partial write past the end, the store must reopen at its
// last checkpoint and, replayed from the log, end with the digest of a store that never crashed.

import { cpSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { type Ledger, RealFileSystem, VolatileFileSystem } from '@ledgermq/ledger';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CommandKind } from './command-kind.ts';
import { encodeCommand } from './commands.ts';
import { ConsumeQueue } from './consume-queue.ts';
import { DirtyFiles } from './dirty-files.ts';
import { groupConfig } from './metadata-types.ts';
import type { StoreDigest } from './store-digest.ts';
import { StoreStateMachine } from './store-state-machine.ts';
import { appendBodies, batchBody, createTopicBody, message, openLedger, tempDir } from './test-helpers.ts';
import { tearQueueTail } from './torn-queue-tail.ts';

const perFile = 8;
const t0 = 1_700_000_000_000;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function scratch(name: string): string {
  const t = tempDir(name);
  cleanups.push(t.cleanup);
  return t.dir;
}

/**
 * A VolatileFileSystem that can take the power away at the end of its n-th fsync: `onFsynced`
 * runs synchronously when an fsync completes, before the caller's code after it (the store's
 * checkpoint then has fsynced some files and not yet written its LevelDB batch). Async fsyncs
 * run one after the other, each writing its file's held pages only when it starts, so a cut
 * after the n-th leaves the files of the later ones as they were (VolatileFileSystem alone
 * writes every file's pages as soon as fsyncAsync is called).
 */
class CuttableFs extends VolatileFileSystem {
  fsyncs = 0;
  onFsynced: (() => void) | null = null;
  private serial: Promise<void> = Promise.resolve();

  constructor() {
    super(new RealFileSystem());
  }

  override fsync(fd: number): void {
    super.fsync(fd);
    this.fsynced();
  }

  override fsyncAsync(fd: number): Promise<void> {
    const run = this.serial.then(async () => {
      await super.fsyncAsync(fd);
      this.fsynced();
    });
    this.serial = run.catch(() => {});
    return run;
  }

  private fsynced(): void {
    this.fsyncs += 1;
    this.onFsynced?.();
  }
}

async function open(dir: string, log: Ledger, fs?: VolatileFileSystem): Promise<StoreStateMachine> {
  const s = await StoreStateMachine.open({ dir, log, cqRecordsPerFile: perFile, initialVoters: ['n1', 'n2', 'n3'], fs });
  cleanups.push(() => s.close().catch(() => {}));
  return s;
}

/** Messages over 6 queues of two topics, keys, tags, offset commits: many files per queue. */
function buildLog(ledger: Ledger, batches: number): void {
  const bodies: Uint8Array[] = [createTopicBody('T', 4), createTopicBody('U', 2), encodeCommand({ kind: CommandKind.GroupCreate, group: groupConfig('G') })];
  for (let k = 0; k < batches; k++) {
    const n = 1 + (k % 4);
    const msgs = Array.from({ length: n }, (_, j) => message(`m-${k}-${j}`, { tags: j % 2 === 0 ? 'A' : 'B', keys: [`key-${k % 7}`], uniqKey: `U-${k}-${j}` }));
    bodies.push(k % 3 === 2 ? batchBody('U', k % 2, msgs, t0 + k) : batchBody('T', k % 4, msgs, t0 + k));
    if (k % 9 === 4) bodies.push(encodeCommand({ kind: CommandKind.OffsetCommit, group: 'G', topic: 'T', queueId: k % 4, offset: k }));
  }
  appendBodies(ledger, bodies);
}

/** A seeded LCG in [0, 1). */
function seeded(seed: number): () => number {
  let r = seed >>> 0;
  return () => (r = (r * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

function applyRange(s: StoreStateMachine, ledger: Ledger, from: number, toExclusive: number): void {
  // Several apply calls, as the node makes them.
  for (let i = from; i < toExclusive; i += 7) s.apply(ledger.entries(i, Math.min(i + 7, toExclusive), 1 << 30));
}

function cqBytes(storeDir: string): number {
  let n = 0;
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else n += statSync(p).size;
    }
  };
  walk(path.join(storeDir, 'consumequeue'));
  return n;
}

interface Cut {
  /** Entries applied and checkpointed (awaited) before the second stretch. */
  readonly first: number;
  /** Entries applied by the start of the second checkpoint. */
  readonly second: number;
  /** Power cut at the end of this fsync of the second checkpoint; 0: after the last apply. */
  readonly atFsync: number;
  readonly tear: boolean;
  readonly seed: number;
}

/** Runs the store on a volatile fs, cuts the power as `cut` says, reopens and replays. */
async function crashAndRecover(root: string, name: string, ledger: Ledger, cut: Cut): Promise<{ recoveredAt: number; digest: StoreDigest; lostBytes: number }> {
  const last = ledger.lastIndex();
  const fs = new CuttableFs();
  const dir = path.join(root, name);
  const crashed = path.join(root, `${name}-crashed`);
  const a = await open(dir, ledger, fs);
  let cutDone = false;
  const powerCut = (): void => {
    if (cutDone) return;
    cutDone = true;
    // What the disk holds this instant is all a power cut leaves (LevelDB: see the header).
    cpSync(dir, crashed, { recursive: true });
  };
  applyRange(a, ledger, 1, cut.first + 1);
  await a.flush();
  applyRange(a, ledger, cut.first + 1, cut.second + 1);
  if (cut.atFsync > 0) {
    const at = fs.fsyncs + cut.atFsync;
    fs.onFsynced = () => {
      if (fs.fsyncs === at) powerCut();
    };
    await a.flush();
    fs.onFsynced = null;
  }
  applyRange(a, ledger, cut.second + 1, last + 1);
  powerCut();
  await a.close(); // fsyncs everything into `dir`, not into the copy
  const lostBytes = cqBytes(dir) - cqBytes(crashed);
  if (cut.tear) {
    expect(tearQueueTail({ storeDir: crashed, recordsPerFile: perFile, random: seeded(cut.seed) })).not.toBeNull();
  }
  // A new process: a fresh volatile fs (open's own cuts must be fsynced to count).
  const b = await open(crashed, ledger, new VolatileFileSystem(new RealFileSystem()));
  const recoveredAt = b.appliedIndex();
  expect(b.lastApplied()).toBe(recoveredAt);
  applyRange(b, ledger, recoveredAt + 1, last + 1);
  const digest = await b.digest();
  await b.close();
  return { recoveredAt, digest, lostBytes };
}

describe('the store after a power loss', () => {
  let root = '';
  let ledger: Ledger;
  let reference: StoreDigest;

  beforeAll(async () => {
    // One log and one store that never crashed, shared by every case (the afterEach of the
    // cases must not clean them up: they get their own list).
    const t = tempDir('crash-shared');
    root = t.dir;
    ledger = openLedger(path.join(root, 'ledger'));
    buildLog(ledger, 90);
    const ref = await StoreStateMachine.open({ dir: path.join(root, 'ref'), log: ledger, cqRecordsPerFile: perFile, initialVoters: ['n1', 'n2', 'n3'] });
    for (let i = 1; i <= ledger.lastIndex(); i += 11) {
      ref.apply(ledger.entries(i, Math.min(i + 11, ledger.lastIndex() + 1), 1 << 30));
      if (i % 3 === 0) await ref.flush();
    }
    reference = await ref.digest();
    await ref.close();
    return async () => {
      ledger.close();
      t.cleanup();
    };
  });

  it('loses the unfsynced ConsumeQueue writes, reopens at its last checkpoint and replays to the same digest', async () => {
    const dir = scratch('crash');
    const last = ledger.lastIndex();
    const r = await crashAndRecover(dir, 'a', ledger, { first: 30, second: 70, atFsync: 0, tear: false, seed: 1 });
    expect(r.lostBytes).toBeGreaterThan(0); // the cut did lose queue records: the test has teeth
    expect(r.recoveredAt).toBe(30);
    expect(r.digest).toEqual(reference);
    expect(reference.appliedIndex).toBe(last);
    expect(reference.queues.every((q) => q.files.length >= 2)).toBe(true);
  });

  it('copes with a torn partial record after the cut, and with a cut inside a checkpoint', async () => {
    const dir = scratch('crash-torn');
    for (const [k, cut] of ([
      { first: 20, second: 60, atFsync: 0, tear: true, seed: 7 },
      { first: 20, second: 60, atFsync: 1, tear: false, seed: 8 }, // some queue files fsynced, no LevelDB batch
      { first: 20, second: 60, atFsync: 3, tear: true, seed: 9 },
    ] satisfies Cut[]).entries()) {
      const r = await crashAndRecover(dir, `c${k}`, ledger, cut);
      expect(r.recoveredAt, `case ${k}`).toBe(20);
      expect(r.digest, `case ${k}`).toEqual(reference);
    }
  });

  it('PROPERTY: wherever the power is cut, recovery and replay give the digest of a store that never crashed', async () => {
    const dir = scratch('crash-prop');
    const last = ledger.lastIndex();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: last }), fc.integer({ min: 0, max: last }), fc.integer({ min: 0, max: 12 }), fc.boolean(), fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        async (x, y, atFsync, tear, seed) => {
          const cut: Cut = { first: Math.min(x, y), second: Math.max(x, y), atFsync, tear, seed };
          const r = await crashAndRecover(dir, `p${run++}`, ledger, cut);
          // A cut inside the second checkpoint keeps the first; otherwise that one landed.
          expect([cut.first, cut.second]).toContain(r.recoveredAt);
          expect(r.digest).toEqual(reference);
        },
      ),
      { numRuns: 15 },
    );
  });
});

describe('a ConsumeQueue on a volatile file system', () => {
  it('reads what it wrote before the fsync, and reopened after a cut holds exactly the fsynced records', async () => {
    const dir = scratch('cq-volatile');
    const rootDir = path.join(dir, 'consumequeue');
    const fs = new VolatileFileSystem(new RealFileSystem());
    const files = new DirtyFiles(fs);
    const opts = { rootDir, topic: 'T', queueId: 0, recordsPerFile: perFile, files };
    const record = (i: number) => ({ physicalOffset: 1000 * i, size: 100 + i, tagHash: i });
    const q = ConsumeQueue.create(opts, 0);
    q.append(Array.from({ length: 20 }, (_, i) => record(i)));
    const checkpointed = q.state();
    q.writeOut();
    await files.syncAll();
    q.append(Array.from({ length: 13 }, (_, i) => record(20 + i))); // crosses two file boundaries
    expect(fs.heldBytes).toBeGreaterThan(0);
    expect(q.read(0, 100)).toEqual(Array.from({ length: 33 }, (_, i) => record(i))); // reads see the held writes
    const file = (start: number) => path.join(rootDir, 'T', '0', String(start).padStart(20, '0'));
    expect(readFileSync(file(16)).length).toBe(4 * 20); // only what the fsync covered
    expect(readFileSync(file(24)).length).toBe(0);
    q.close(); // no fsync: the held writes stay lost for the disk

    expect(tearQueueTail({ storeDir: dir, recordsPerFile: perFile, random: seeded(5) })).not.toBeNull();
    const real = new DirtyFiles(new RealFileSystem());
    const back = ConsumeQueue.recover({ ...opts, files: real }, checkpointed);
    await real.syncAll();
    expect(back.state()).toEqual({ minOffset: 0, nextOffset: 20 });
    expect(back.read(0, 100)).toEqual(Array.from({ length: 20 }, (_, i) => record(i)));
    expect(readdirSync(path.join(rootDir, 'T', '0')).sort().map(Number)).toEqual([0, 8, 16]);
    expect(readFileSync(file(16)).length).toBe(4 * 20);
    back.close();
  });
});

describe('removing ConsumeQueue files on a volatile file system', () => {
  it('forgets what was held for them: a queue created again under the same names starts empty', async () => {
    const dir = scratch('cq-remove');
    const fs = new VolatileFileSystem(new RealFileSystem());
    const files = new DirtyFiles(fs);
    const opts = { rootDir: path.join(dir, 'consumequeue'), topic: 'T', queueId: 0, recordsPerFile: perFile, files };
    const q = ConsumeQueue.create(opts, 0);
    q.append(Array.from({ length: 7 }, (_, i) => ({ physicalOffset: i, size: 1, tagHash: 0 })));
    q.writeOut(); // held, never fsynced
    q.destroy(); // topic deleted
    const again = ConsumeQueue.create(opts, 0);
    again.append([{ physicalOffset: 99, size: 2, tagHash: 3 }]);
    again.writeOut();
    await files.syncAll();
    const file = path.join(dir, 'consumequeue', 'T', '0', '0'.padStart(20, '0'));
    expect(readFileSync(file).length).toBe(20); // not the 7 records' 140 bytes of the deleted queue
    expect(again.read(0, 10)).toEqual([{ physicalOffset: 99, size: 2, tagHash: 3 }]);
    again.close();
  });
});
