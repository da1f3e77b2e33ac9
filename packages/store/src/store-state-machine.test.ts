import { appendFileSync, cpSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Ledger } from '@ledgermq/ledger';
import { ConfChangeType, type Entry, EntryType, encodeConfChange } from '@ledgermq/raft';
import { Level } from 'level';
import { afterEach, describe, expect, it } from 'vitest';
import { CommandKind } from './command-kind.ts';
import { encodeCommand } from './commands.ts';
import { MessageNotFoundError, UnknownCommandError } from './errors.ts';
import { decodeOffsetMessageId } from './message-id.ts';
import { ReadStatus } from './message-reader.ts';
import { groupConfig } from './metadata-types.ts';
import { indexFlushSliceMessages } from './constants.ts';
import { StoreStateMachine } from './store-state-machine.ts';
import { parseTagFilter } from './tag-filter.ts';
import { appendBodies, batchBody, createTopicBody, message, openLedger, tempDir } from './test-helpers.ts';

const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const t0 = 1_700_000_000_000;

function scratch(name: string): string {
  const t = tempDir(name);
  cleanups.push(t.cleanup);
  return t.dir;
}

function ledgerIn(dir: string): Ledger {
  const l = openLedger(path.join(dir, 'ledger'));
  cleanups.push(() => l.close());
  return l;
}

async function store(dir: string, log: Ledger, perFile = 8): Promise<StoreStateMachine> {
  const s = await StoreStateMachine.open({ dir, log, cqRecordsPerFile: perFile, initialVoters: ['n1', 'n2', 'n3'] });
  cleanups.push(() => s.close().catch(() => {}));
  return s;
}

/** A varied log: topics, groups, batches over several queues, offsets, no-ops, a conf change. */
function buildLog(ledger: Ledger, batches = 60): Entry[] {
  const bodies: (Uint8Array | Entry['type'])[] = [EntryType.NoOp, createTopicBody('T', 4), createTopicBody('U', 2)];
  bodies.push(encodeCommand({ kind: CommandKind.GroupCreate, group: groupConfig('G') }));
  for (let k = 0; k < batches; k++) {
    const n = 1 + (k % 3);
    const msgs = Array.from({ length: n }, (_, j) => message(`m-${k}-${j}`, {
      tags: j % 2 === 0 ? 'TagA' : 'TagB', keys: [`key-${k % 5}`], uniqKey: `UNIQ-${k}-${j}`,
    }));
    bodies.push(batchBody(k % 4 === 3 ? 'U' : 'T', k % 4 === 3 ? k % 2 : k % 4, msgs, t0 + k * 1000));
    if (k % 10 === 5) bodies.push(encodeCommand({ kind: CommandKind.OffsetCommit, group: 'G', topic: 'T', queueId: 0, offset: k }));
    if (k === 20) bodies.push(EntryType.NoOp);
  }
  const entries = appendBodies(ledger, bodies);
  const cc: Entry = { index: ledger.lastIndex() + 1, term: 1, type: EntryType.ConfChange, data: encodeConfChange({ type: ConfChangeType.AddNode, node: 'n4' }) };
  ledger.append([cc]);
  ledger.sync();
  return [...entries, cc];
}

function tree(root: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(path.relative(root, p), readFileSync(p));
    }
  };
  walk(root);
  return out;
}

/** Every LevelDB entry but the node-specific id blocks (their grouping follows the checkpoints: store-digest.ts). */
async function dbContents(dir: string): Promise<[string, string][]> {
  const db = new Level<string, Uint8Array>(path.join(dir, 'db'), { keyEncoding: 'utf8', valueEncoding: 'view' });
  await db.open();
  const out: [string, string][] = [];
  for await (const [k, v] of db.iterator()) if (!k.startsWith('idx/b') && k !== 'ckpt/uniq-blocks') out.push([k, Buffer.from(v).toString('hex')]);
  await db.close();
  return out;
}

function replay(s: StoreStateMachine, ledger: Ledger, step = 5): void {
  for (let i = s.appliedIndex() + 1; i <= ledger.lastIndex(); i += step) {
    s.apply(ledger.entries(i, Math.min(i + step, ledger.lastIndex() + 1), 1 << 30));
  }
}

describe('StoreStateMachine', () => {
  it.each([8, 64])('DETERMINISM: a crash after a checkpoint, then replay, ends byte-identical to a store that never crashed (%i records per file)', async (perFile) => {
    const root = scratch('determinism');
    const ledger = ledgerIn(root);
    const entries = buildLog(ledger);

    const reference = await store(path.join(root, 'ref'), ledger, perFile);
    for (let k = 0; k < entries.length; k += 7) {
      reference.apply(entries.slice(k, k + 7));
      if (k % 21 === 0) await reference.flush();
    }
    await reference.flush();

    const crashing = await store(path.join(root, 'a'), ledger, perFile);
    crashing.apply(entries.slice(0, 40));
    await crashing.flush();
    expect(crashing.appliedIndex()).toBe(40);
    crashing.apply(entries.slice(40)); // applied and written to the queues, never checkpointed
    expect(crashing.appliedIndex()).toBe(40);
    expect(crashing.lastApplied()).toBe(entries.length);
    // The crash: the files as they are now (queue records past the checkpoint included), plus a
    // torn partial record at the end of every queue's last file.
    cpSync(path.join(root, 'a'), path.join(root, 'crashed'), { recursive: true });
    const cqRoot = path.join(root, 'crashed', 'consumequeue');
    for (const topic of readdirSync(cqRoot)) {
      for (const q of readdirSync(path.join(cqRoot, topic))) {
        const files = readdirSync(path.join(cqRoot, topic, q)).sort();
        appendFileSync(path.join(cqRoot, topic, q, files[files.length - 1]), Buffer.from('garbage'));
      }
    }

    const cqBytes = (d: string): number => [...tree(path.join(d, 'consumequeue')).values()].reduce((n, b) => n + b.length, 0);
    const beforeRecovery = cqBytes(path.join(root, 'crashed'));
    const recovered = await store(path.join(root, 'crashed'), ledger, perFile);
    // Open cut the records written after the checkpoint (replay must re-create them, not append after them).
    expect(cqBytes(path.join(root, 'crashed'))).toBeLessThan(beforeRecovery);
    expect(recovered.appliedIndex()).toBe(40);
    expect(recovered.lastApplied()).toBe(40);
    // No membership change applied yet: the initial voters (Raft then skips its scan of the applied log).
    expect(recovered.conf()).toEqual({ voters: ['n1', 'n2', 'n3'] });
    replay(recovered, ledger);
    await recovered.flush();

    expect(recovered.appliedIndex()).toBe(ledger.lastIndex());
    expect(recovered.metadata.encodedEntries()).toEqual(reference.metadata.encodedEntries());
    expect(recovered.queueStates()).toEqual(reference.queueStates());
    expect(recovered.conf()).toEqual({ voters: ['n1', 'n2', 'n3', 'n4'] });
    expect(await recovered.index.byKey('T', 'key-1')).toEqual(await reference.index.byKey('T', 'key-1'));
    // The id blocks group the ids by checkpoint, which differ; the ids they hold do not.
    const ids = async (s: StoreStateMachine): Promise<string[]> => {
      const out: string[] = [];
      for await (const id of s.index.flushedUniqKeys()) out.push(id);
      return out.sort();
    };
    expect(recovered.index.blocksComplete && reference.index.blocksComplete).toBe(true);
    expect(await ids(recovered)).toEqual(await ids(reference));
    await recovered.close();
    await reference.close();
    const cqA = tree(path.join(root, 'crashed', 'consumequeue'));
    const cqB = tree(path.join(root, 'ref', 'consumequeue'));
    expect([...cqA.keys()].sort()).toEqual([...cqB.keys()].sort());
    expect(cqA.size).toBeGreaterThanOrEqual(4); // every queue has files: the comparison means something
    for (const [name, bytes] of cqB) expect(cqA.get(name)!.equals(bytes), name).toBe(true);
    expect(await dbContents(path.join(root, 'crashed'))).toEqual(await dbContents(path.join(root, 'ref')));
  });

  it('assigns queue offsets at apply and reports them by index', async () => {
    const root = scratch('results');
    const ledger = ledgerIn(root);
    const s = await store(path.join(root, 's'), ledger);
    const [noop, topic, b1, b2, missing] = appendBodies(ledger, [
      EntryType.NoOp, createTopicBody('T', 2),
      batchBody('T', 1, [message('a', { uniqKey: 'U1' }), message('b')], t0),
      batchBody('T', 1, [message('c')], t0 + 1),
      batchBody('Nope', 0, [message('x')], t0 + 2),
    ]);
    const seen: number[] = [];
    s.onApplied((r) => seen.push(r.index));
    for (const i of [1, 2, 3, 5]) s.expectResult(i); // not 4: no one waits for it
    s.apply([noop, topic, b1, b2, missing]);
    await Promise.resolve();
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(s.takeResult(4)).toBeUndefined(); // kept only for a proposer that waits for it
    expect(s.takeResult(1)).toEqual({ type: 'skipped', index: 1 });
    expect(s.takeResult(1)).toBeUndefined(); // handed over once
    expect(s.takeResult(2)).toMatchObject({ type: 'command', kind: CommandKind.TopicCreate, outcome: 'ok' });
    const r3 = s.takeResult(3);
    assertMessages(r3);
    const pos3 = ledger.location(3).pos;
    expect(r3.messages.map((m) => m.queueOffset)).toEqual([0, 1]);
    expect(r3.messages[0].physicalOffset).toBeGreaterThan(pos3 + 44);
    expect(r3.messages[1].physicalOffset).toBe(r3.messages[0].physicalOffset + r3.messages[0].size);
    expect(r3.messages[0].uniqKey).toBe('U1');
    expect(decodeOffsetMessageId(r3.messages[0].offsetMsgId!)).toEqual({ host: '10.0.0.1', port: 10911, physicalOffset: r3.messages[0].physicalOffset });
    expect(s.takeResult(5)).toMatchObject({ type: 'rejected', reason: 'topic-not-found' });
    // The next entry's queue offset shows entry 4 was applied all the same.
    const [b5] = appendBodies(ledger, [batchBody('T', 1, [message('d')], t0 + 3)]);
    s.expectResult(b5!.index);
    s.apply([b5!]);
    const r6 = s.takeResult(b5!.index);
    assertMessages(r6);
    expect(r6.messages[0].queueOffset).toBe(3);
    expect(s.reader.readByPhysicalOffset(r3.messages[1].physicalOffset).body.toString()).toBe('b');
    expect(() => s.reader.readByPhysicalOffset(r3.messages[1].physicalOffset + 1)).toThrow(MessageNotFoundError);
  });

  it('stops at an unknown command kind without applying it', async () => {
    const root = scratch('unknown');
    const ledger = ledgerIn(root);
    const s = await store(path.join(root, 's'), ledger);
    const entries = appendBodies(ledger, [createTopicBody('T'), Buffer.from([99, 1]), createTopicBody('U')]);
    expect(() => s.apply(entries)).toThrow(UnknownCommandError);
    expect(s.lastApplied()).toBe(1);
    expect(s.metadata.topic('U')).toBeUndefined();
  });

  it('reads a queue range with bounds and tag filter, and finds offsets by time', async () => {
    const root = scratch('read');
    const ledger = ledgerIn(root);
    const s = await store(path.join(root, 's'), ledger, 4);
    const bodies = [createTopicBody('T', 1)];
    for (let k = 0; k < 10; k++) bodies.push(batchBody('T', 0, [message(`x${k}`, { tags: k % 3 === 0 ? 'A' : 'B' })], t0 + k * 10));
    s.apply(appendBodies(ledger, bodies));
    // Entries in the log but not applied are never read.
    appendBodies(ledger, [batchBody('T', 0, [message('unapplied')], t0 + 999)]);

    const all = s.reader.readQueue('T', 0, 0, { countMax: 4 });
    expect(all.status).toBe(ReadStatus.Found);
    expect(all.messages.map((m) => m.message.body.toString())).toEqual(['x0', 'x1', 'x2', 'x3']);
    expect(all.nextOffset).toBe(4);
    const a = s.reader.readQueue('T', 0, 0, { countMax: 32, filter: parseTagFilter('A') });
    expect(a.messages.map((m) => m.queueOffset)).toEqual([0, 3, 6, 9]);
    expect(a.nextOffset).toBe(10);
    const small = s.reader.readQueue('T', 0, 2, { countMax: 32, bytesMax: 1 });
    expect(small.messages.length).toBe(1); // at least one message, whatever the byte bound
    expect(s.reader.readQueue('T', 0, 10).status).toBe(ReadStatus.NoNewMessage);
    expect(s.reader.readQueue('T', 0, 11).status).toBe(ReadStatus.OffsetOverflow);
    expect(s.reader.readQueue('T', 5, 0).status).toBe(ReadStatus.NoQueue);
    expect(s.reader.offsetForTimestamp('T', 0, t0 + 35)).toBe(4);
    expect(s.reader.offsetForTimestamp('T', 0, 0)).toBe(0);
    expect(s.reader.offsetForTimestamp('T', 0, t0 + 10_000)).toBe(10);
    const unapplied = ledger.location(ledger.lastIndex()).pos;
    expect(() => s.reader.readByPhysicalOffset(unapplied + 44 + 30)).toThrow(MessageNotFoundError);
  });

  it('serves queue reads from records read ahead only while they cover the range: other queues, appends, retention', async () => {
    const root = scratch('read-ahead');
    const ledger = ledgerIn(root);
    const s = await store(path.join(root, 's'), ledger, 4);
    const bodies = [createTopicBody('T', 2)];
    for (let k = 0; k < 10; k++) bodies.push(batchBody('T', k % 2, [message(`q${k % 2}-${k >> 1}`)], t0 + k));
    s.apply(appendBodies(ledger, bodies));
    const read = (q: number, offset: number, countMax: number) => s.reader.readQueue('T', q, offset, { countMax }).messages.map((m) => m.message.body.toString());
    expect(read(0, 0, 2)).toEqual(['q0-0', 'q0-1']);
    expect(read(1, 0, 2)).toEqual(['q1-0', 'q1-1']);
    expect(read(0, 2, 2)).toEqual(['q0-2', 'q0-3']);
    expect(read(0, 1, 2)).toEqual(['q0-1', 'q0-2']); // backwards, within what was read ahead
    expect(read(0, 3, 32)).toEqual(['q0-3', 'q0-4']);
    // Appended after the records were read ahead: the next read must reach them.
    const more = [];
    for (let k = 5; k < 8; k++) more.push(batchBody('T', 0, [message(`q0-${k}`)], t0 + 100 + k));
    s.apply(appendBodies(ledger, more));
    expect(read(0, 4, 32)).toEqual(['q0-4', 'q0-5', 'q0-6', 'q0-7']);
    expect(read(1, 2, 32)).toEqual(['q1-2', 'q1-3', 'q1-4']);
    // Retention moves queue 0's minimum past records the reader still holds.
    s.truncateBefore(ledger.location(10).pos);
    expect(s.reader.readQueue('T', 0, 1)).toMatchObject({ status: ReadStatus.OffsetMoved, nextOffset: 4, messages: [] });
    expect(read(0, 4, 2)).toEqual(['q0-4', 'q0-5']);
  });

  it('looks messages up by id, key and time, bounded and newest first, before and after a checkpoint', async () => {
    const root = scratch('index');
    const ledger = ledgerIn(root);
    const dir = path.join(root, 's');
    const s = await store(dir, ledger);
    const bodies = [createTopicBody('T', 2)];
    for (let k = 0; k < 30; k++) bodies.push(batchBody('T', k % 2, [message(`v${k}`, { keys: ['order-1', `k${k}`], uniqKey: k === 7 ? 'DUP' : `U${k}` })], t0 + k));
    bodies.push(batchBody('T', 0, [message('again', { uniqKey: 'DUP' })], t0 + 100));
    s.apply(appendBodies(ledger, bodies.slice(0, 20)));
    await s.flush();
    s.apply(appendBodies(ledger, bodies.slice(20)));
    const check = async (st: StoreStateMachine): Promise<void> => {
      const byKey = await st.index.byKey('T', 'order-1', 5);
      expect(byKey.length).toBe(5);
      expect(byKey.map((h) => h.storeTimestampMs)).toEqual([29, 28, 27, 26, 25].map((k) => t0 + k));
      expect((await st.index.byKey('T', 'order-1')).length).toBe(30);
      const dup = await st.index.byUniqKey('DUP');
      expect(dup.map((h) => h.storeTimestampMs)).toEqual([t0 + 100, t0 + 7]);
      const m = st.reader.readByPhysicalOffset(dup[1].physicalOffset);
      expect(m.body.toString()).toBe('v7');
      const range = st.reader.byTimeRange('T', t0 + 10, t0 + 20, 64);
      expect(range.map((h) => h.storeTimestampMs)).toEqual(Array.from({ length: 10 }, (_, k) => t0 + 19 - k));
      expect(await st.index.byKey('T', 'nothing')).toEqual([]);
    };
    await check(s);
    await s.close();
    const again = await store(dir, ledger);
    replay(again, ledger);
    await check(again);
  });

  it('a checkpoint of many messages is written in slices: applies between slices go to the next checkpoint, and look-ups see everything throughout', async () => {
    const root = scratch('sliced');
    const ledger = ledgerIn(root);
    const dir = path.join(root, 's');
    const s = await store(dir, ledger, 64);
    const first = indexFlushSliceMessages * 3 + 7; // several slices
    const bodies = [createTopicBody('T', 2)];
    for (let k = 0; k < first + 40; k++) bodies.push(batchBody('T', k % 2, [message(`v${k}`, { keys: [`key-${k % 3}`], uniqKey: `U${k}` })], t0 + k));
    const entries = appendBodies(ledger, bodies);
    ledger.sync();
    s.apply(entries.slice(0, first + 1));
    const checkpointed = s.lastApplied();
    let turns = 0;
    // Which turn of the loop each slice of the index was written in.
    const sliceTurns: number[] = [];
    const slice = s.index.flushSlice.bind(s.index);
    s.index.flushSlice = (sink, slotsMax) => {
      sliceTurns.push(turns);
      return slice(sink, slotsMax);
    };
    const flushed = s.flush().then(() => turns);
    // Applies while the checkpoint's index is being written, one entry per turn of the loop.
    let next = first + 1;
    while (next < entries.length) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      turns += 1;
      s.apply([entries[next++]!]);
      expect((await s.index.byUniqKey(`U${next - 2}`)).length).toBe(1);
    }
    await flushed;
    // The index went in slices, with applies (turns of the loop) between them...
    expect(sliceTurns.length).toBe(Math.ceil(first / indexFlushSliceMessages));
    expect(sliceTurns.at(-1)!).toBeGreaterThan(sliceTurns[0]!);
    // ...and its checkpoint is what was applied when it started, not what came after.
    expect(s.appliedIndex()).toBe(checkpointed);
    await s.flush();
    expect(s.appliedIndex()).toBe(ledger.lastIndex());
    for (const k of [0, indexFlushSliceMessages, first - 1, first + 39]) expect((await s.index.byUniqKey(`U${k}`)).map((h) => h.storeTimestampMs)).toEqual([t0 + k]);
    const withKey = (await s.index.byKey('T', 'key-1', 1024)).map((h) => h.storeTimestampMs - t0);
    expect(withKey.slice(0, 3)).toEqual([first + 39, first + 36, first + 33]); // newest first, across both checkpoints
    // Reopened from disk: the checkpointed index and queues, nothing to replay.
    const states = s.queueStates();
    expect(states.size).toBe(2);
    await s.close();
    const again = await store(dir, ledger, 64);
    expect(again.appliedIndex()).toBe(ledger.lastIndex());
    expect((await again.index.byUniqKey(`U${first + 20}`)).length).toBe(1);
    expect(again.queueStates()).toEqual(states);
  });

  it('snapshot/restore: a follower restored from a snapshot continues with the same offsets', async () => {
    const root = scratch('snapshot');
    const ledger = ledgerIn(root);
    const entries = buildLog(ledger, 40);
    const leader = await store(path.join(root, 'leader'), ledger);
    leader.apply(entries.slice(0, 30));
    await leader.flush();
    leader.apply(entries.slice(30, 35)); // not durable: the snapshot must not include these
    const snap = leader.snapshot();
    const s = leader.appliedIndex();
    expect(s).toBe(30);
    leader.apply(entries.slice(35));
    await leader.flush();

    const followerDir = path.join(root, 'follower');
    const follower = await store(followerDir, ledger);
    follower.restore(snap, s);
    // A crash right after restore, before its checkpoint landed: the copy must come back empty.
    cpSync(followerDir, path.join(root, 'torn'), { recursive: true });
    follower.apply(entries.slice(s));
    await follower.flush();
    expect(follower.metadata.encodedEntries()).toEqual(leader.metadata.encodedEntries());
    const lq = leader.queueStates();
    const fq = follower.queueStates();
    expect([...fq.keys()]).toEqual([...lq.keys()]);
    for (const [k, q] of lq) expect(fq.get(k)!.nextOffset).toBe(q.nextOffset);
    const t0q = fq.get('T\u00000')!;
    expect(t0q.minOffset).toBeGreaterThan(0);
    const moved = follower.reader.readQueue('T', 0, 0);
    expect(moved.status).toBe(ReadStatus.OffsetMoved);
    expect(moved.nextOffset).toBe(t0q.minOffset);
    const fr = follower.reader.readQueue('T', 0, t0q.minOffset, { countMax: 100 });
    const lr = leader.reader.readQueue('T', 0, t0q.minOffset, { countMax: 100 });
    expect(fr.messages.map((m) => [m.queueOffset, m.physicalOffset])).toEqual(lr.messages.map((m) => [m.queueOffset, m.physicalOffset]));
    expect(fr.messages.length).toBeGreaterThan(0);
    await follower.close();

    const reopened = await store(followerDir, ledger);
    expect(reopened.appliedIndex()).toBe(ledger.lastIndex());
    expect(reopened.queueStates()).toEqual(fq);
    const torn = await store(path.join(root, 'torn'), ledger);
    expect(torn.appliedIndex()).toBe(0);
    expect(torn.metadata.topics()).toEqual([]);
    expect(torn.queueStates().size).toBe(0);
  });

  it('retention raises min offsets, deletes whole queue files and answers offset moved, also after reopen', async () => {
    const root = scratch('retention');
    const ledger = ledgerIn(root);
    const dir = path.join(root, 's');
    const s = await store(dir, ledger, 4);
    const bodies = [createTopicBody('T', 1)];
    for (let k = 0; k < 20; k++) bodies.push(batchBody('T', 0, [message(`r${k}`)], t0 + k));
    const entries = appendBodies(ledger, bodies);
    s.apply(entries);
    const qdir = path.join(dir, 'consumequeue', 'T', '0');
    expect(readdirSync(qdir).length).toBe(5);
    // Messages of entries 2..10 (queue offsets 0..8) are gone from the log.
    s.truncateBefore(ledger.location(11).pos);
    expect(s.queueState('T', 0)).toEqual({ minOffset: 9, nextOffset: 20 });
    expect(readdirSync(qdir).sort()).toEqual(['00000000000000000008', '00000000000000000012', '00000000000000000016']);
    const moved = s.reader.readQueue('T', 0, 3);
    expect(moved).toMatchObject({ status: ReadStatus.OffsetMoved, nextOffset: 9, minOffset: 9, messages: [] });
    expect(s.reader.readQueue('T', 0, 9, { countMax: 1 }).messages[0].message.body.toString()).toBe('r9');
    await s.close();
    const again = await store(dir, ledger, 4);
    expect(again.queueState('T', 0)).toEqual({ minOffset: 9, nextOffset: 20 });
    expect(again.reader.readQueue('T', 0, 0).status).toBe(ReadStatus.OffsetMoved);
  });
});

function assertMessages(r: ReturnType<StoreStateMachine['takeResult']>): asserts r is Extract<NonNullable<typeof r>, { type: 'messages' }> {
  expect(r?.type).toBe('messages');
}
