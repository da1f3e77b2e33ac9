import path from 'node:path';
import { Level } from 'level';
import { afterEach, describe, expect, it } from 'vitest';
import { MessageIndex, type IndexHit } from './message-index.ts';
import { newBatch, openDb, type StoreDb } from './store-db.ts';
import { appendBodies, batchBody, createTopicBody, message, openLedger, tempDir } from './test-helpers.ts';
import { StoreStateMachine } from './store-state-machine.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(sweepKeysPerStep = 4): Promise<{ db: StoreDb; index: MessageIndex; floor: { pos: number } }> {
  const t = tempDir('index');
  cleanups.push(t.cleanup);
  const db = await openDb(path.join(t.dir, 'db'));
  cleanups.push(() => db.close());
  const floor = { pos: 0 };
  return { db, index: new MessageIndex(db, () => floor.pos, sweepKeysPerStep), floor };
}

const hit = (k: number, topic = 'T'): IndexHit => ({ topic, queueId: k % 3, queueOffset: k, physicalOffset: 1000 + k * 100, size: 50 + k, storeTimestampMs: 1_700_000_000_000 + k });

async function flush(db: StoreDb, index: MessageIndex): Promise<void> {
  const b = newBatch(db);
  index.beginFlush();
  while (!index.flushSlice(b, 3));
  await b.write({ sync: true });
  index.endFlush();
}

describe('MessageIndex', () => {
  it('finds by id and key, newest first and bounded, alike before, during and after a flush', async () => {
    const { db, index } = await setup();
    for (let k = 0; k < 10; k++) index.add(hit(k), k === 3 || k === 8 ? 'DUP' : `U${k}`, ['all', `k${k}`, 'all']);
    const check = async (): Promise<void> => {
      expect((await index.byKey('T', 'all')).map((h) => h.queueOffset)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
      expect(await index.byKey('T', 'all', 3)).toEqual([hit(9), hit(8), hit(7)]);
      expect(await index.byUniqKey('DUP')).toEqual([hit(8), hit(3)]);
      expect(await index.byUniqKey('U5')).toEqual([hit(5)]);
      expect(await index.byKey('T', 'k4')).toEqual([hit(4)]);
      expect(await index.byKey('Other', 'all')).toEqual([]);
    };
    await check();
    expect(index.unflushedUniqKeys().filter((u) => u === 'DUP')).toEqual(['DUP', 'DUP']);
    // Half flushed, half pending: the look-up merges both without duplicates.
    await flush(db, index);
    expect(index.unflushedUniqKeys()).toEqual([]);
    await check();
    const b = newBatch(db);
    index.add(hit(10), 'DUP', ['all']);
    index.beginFlush(); // frozen while the write is in flight
    expect(index.flushSlice(b, 1)).toBe(true);
    expect(index.unflushedUniqKeys()).toEqual(['DUP']);
    expect((await index.byUniqKey('DUP')).map((h) => h.queueOffset)).toEqual([10, 8, 3]);
    await b.write({ sync: true });
    index.endFlush();
    expect((await index.byUniqKey('DUP')).map((h) => h.queueOffset)).toEqual([10, 8, 3]);
    expect((await index.byKey('T', 'all')).length).toBe(11); // a key twice in one message is one entry
    const ids: string[] = [];
    for await (const id of index.flushedUniqKeys()) ids.push(id);
    expect(ids.sort()).toEqual(['DUP', 'DUP', 'DUP', ...Array.from({ length: 10 }, (_, k) => `U${k}`).filter((u) => u !== 'U3' && u !== 'U8')].sort());
  });

  it('id blocks hold every flushed id: reading them gives the ids the idx/u keys give, across many blocks', async () => {
    const { db, index } = await setup();
    const fromBlocks = new MessageIndex(db, () => 0, 4, true);
    // Long ids (about 2 KiB each) so that one checkpoint's ids span several blocks; some
    // non-ASCII, some messages without an id, some ids twice.
    const want: string[] = [];
    for (let k = 0; k < 400; k++) {
      const id = k % 7 === 0 ? null : k % 11 === 0 ? `é€${k}`.repeat(300) : k % 13 === 0 ? 'TWICE' : `U${k}-${'x'.repeat(2000)}`;
      index.add(hit(k), id, []);
      if (id !== null) want.push(id);
    }
    await flush(db, index);
    index.add(hit(400), 'LATE', []);
    want.push('LATE');
    await flush(db, index);
    const blocks = (await db.keys().all()).filter((k) => k.subarray(0, 5).toString('latin1') === 'idx/b');
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    const read = async (ix: MessageIndex): Promise<string[]> => {
      const out: string[] = [];
      for await (const id of ix.flushedUniqKeys()) out.push(id);
      return out.sort();
    };
    expect(await read(fromBlocks)).toEqual(want.sort());
    expect(await read(index)).toEqual(want.sort());
  });

  it('the unflushed ids plus a scan made in the same turn name every id, even when flushes land while the scan runs', async () => {
    const { db, index } = await setup();
    const ids: string[] = [];
    const add = (k: number, prefix: string) => {
      ids.push(`${prefix}${k}`);
      index.add(hit(k), `${prefix}${k}`, []);
    };
    for (let k = 0; k < 10; k++) add(k, 'flushed-');
    await flush(db, index);
    for (let k = 10; k < 20; k++) add(k, 'in-flight-');
    const b = newBatch(db);
    index.beginFlush(); // frozen, written into a batch that has not landed yet
    while (!index.flushSlice(b, 3));
    for (let k = 20; k < 25; k++) add(k, 'pending-');
    const seen = new Set(index.unflushedUniqKeys());
    const scan = index.flushedUniqKeys();
    await b.write({ sync: true });
    index.endFlush();
    await flush(db, index); // the pending ones land too, after the scan's snapshot
    expect(index.unflushedUniqKeys()).toEqual([]);
    for await (const id of scan) seen.add(id);
    expect(ids.filter((id) => !seen.has(id))).toEqual([]);
  });

  it('keeps ids and keys apart whatever bytes they hold (length-prefixed, no separator aliasing)', async () => {
    const { db, index } = await setup();
    index.add(hit(1), 'a', ['x\u0000y']);
    index.add(hit(2), 'a\u0000b', ['x']);
    index.add(hit(3, 'T\u0000x'), 'ä€', ['y']);
    await flush(db, index);
    expect(await index.byUniqKey('a')).toEqual([hit(1)]);
    expect(await index.byUniqKey('a\u0000b')).toEqual([hit(2)]);
    expect(await index.byUniqKey('ä€')).toEqual([hit(3, 'T\u0000x')]);
    expect(await index.byKey('T', 'x')).toEqual([hit(2)]);
    expect(await index.byKey('T', 'x\u0000y')).toEqual([hit(1)]);
    expect(await index.byKey('T', 'y')).toEqual([]);
  });

  it('follows retention: nothing below the floor is returned, and sweeping deletes exactly that, in bounded steps', async () => {
    const { db, index, floor } = await setup(4);
    for (let k = 0; k < 20; k++) index.add(hit(k), `U${k}`, ['all']);
    await flush(db, index);
    for (let k = 20; k < 25; k++) index.add(hit(k), `U${k}`, ['all']); // still unflushed
    floor.pos = hit(12).physicalOffset;
    expect((await index.byKey('T', 'all', 100)).map((h) => h.queueOffset)).toEqual(Array.from({ length: 13 }, (_, k) => 24 - k));
    expect(await index.byUniqKey('U11')).toEqual([]);
    expect(await index.byUniqKey('U12')).toEqual([hit(12)]);
    const keysIn = async (): Promise<number> => (await db.keys().all()).length;
    expect(await keysIn()).toBe(41); // 20 ids, 20 keys and one id block (its last id is above the floor)
    let from: Buffer | null = null;
    let steps = 0;
    let deleted = 0;
    do {
      const step: { deleted: number; next: Buffer | null } = await index.sweepStep(floor.pos, from);
      expect(step.deleted).toBeLessThanOrEqual(4);
      deleted += step.deleted;
      from = step.next;
      steps += 1;
    } while (from !== null && steps < 100);
    expect(deleted).toBe(24); // 12 messages x (id + key)
    expect(steps).toBeGreaterThanOrEqual(10);
    expect(await keysIn()).toBe(17);
    expect((await index.byKey('T', 'all', 100)).length).toBe(13);
  });
});

describe('index sweep in the store', () => {
  it('a sweep cut short by a close starts again at the next open', async () => {
    const t = tempDir('sweep');
    cleanups.push(t.cleanup);
    const ledger = openLedger(path.join(t.dir, 'ledger')); // 64 KiB segments
    cleanups.push(() => ledger.close());
    const bodies = [createTopicBody('T', 1)];
    for (let k = 0; k < 100; k++) bodies.push(batchBody('T', 0, [message('x'.repeat(2048), { uniqKey: `U${k}`, keys: [`k${k}`] })], 1_700_000_000_000 + k));
    const entries = appendBodies(ledger, bodies);
    const dir = path.join(t.dir, 's');
    const open = () => StoreStateMachine.open({ dir, log: ledger, indexSweepKeysPerStep: 2 });
    const s = await open();
    s.apply(entries);
    await s.flush();
    expect((await s.digest()).db.index.entries).toBe(200);
    // Retention as the node runs it: snapshot at the durable index, delete old segments, tell the store.
    const loc = ledger.location(s.appliedIndex());
    ledger.saveSnapshot({ meta: { index: s.appliedIndex(), term: 1, conf: { voters: ['n1'] } }, data: s.snapshot() }, loc.pos + loc.size);
    expect(ledger.applyRetention({ nowMs: Date.now(), bytesMax: 100 * 1024 }).deletedSegments).toBeGreaterThan(0);
    s.truncateBefore(ledger.location(ledger.firstIndex()).pos);
    const kept = s.queueState('T', 0)!.nextOffset - s.queueState('T', 0)!.minOffset;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(100);
    await s.close(); // the sweep stops after the step in flight (2 keys of 200)
    const raw = new Level<Buffer, Buffer>(path.join(dir, 'db'), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    const idx = (await raw.keys().all()).filter((k) => k.toString('latin1', 0, 4) === 'idx/').length;
    await raw.close();
    expect(idx).toBeGreaterThan(2 * kept); // cut short: entries below the log start remain
    const again = await open();
    await again.indexSwept();
    expect((await again.digest()).db.index.entries).toBe(2 * kept);
    const firstKept = 100 - kept;
    expect(await again.index.byUniqKey(`U${firstKept - 1}`)).toEqual([]);
    expect((await again.index.byUniqKey(`U${firstKept}`)).map((h) => h.queueOffset)).toEqual([firstKept]);
    await again.close();
  });

  it('reads the ids from the blocks only while every checkpoint wrote them; a store an older version checkpointed falls back to the keys', async () => {
    const t = tempDir('blocks');
    cleanups.push(t.cleanup);
    const ledger = openLedger(path.join(t.dir, 'ledger'));
    cleanups.push(() => ledger.close());
    const bodies = [createTopicBody('T', 1)];
    for (let k = 0; k < 40; k++) bodies.push(batchBody('T', 0, [message('x', { uniqKey: `U${k}`, keys: [`k${k}`] })], 1_700_000_000_000 + k));
    const entries = appendBodies(ledger, bodies);
    const dir = path.join(t.dir, 's');
    const ids = async (s: StoreStateMachine): Promise<string[]> => {
      const out: string[] = [];
      for await (const id of s.index.flushedUniqKeys()) out.push(id);
      return out.sort();
    };
    const want = (n: number) => Array.from({ length: n }, (_, k) => `U${k}`).sort();
    let s = await StoreStateMachine.open({ dir, log: ledger });
    expect(s.index.blocksComplete).toBe(true); // a new store: no id outside the blocks
    s.apply(entries.slice(0, 11));
    await s.close();
    s = await StoreStateMachine.open({ dir, log: ledger });
    expect(s.index.blocksComplete).toBe(true);
    expect(await ids(s)).toEqual(want(10));
    s.apply(entries.slice(11, 21));
    await s.close();
    // As an older version leaves it: its checkpoints wrote no blocks and did not move the mark.
    const raw = new Level<Buffer, Buffer>(path.join(dir, 'db'), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    for (const k of await raw.keys().all()) if (k.toString('latin1', 0, 5) === 'idx/b') await raw.del(k);
    await raw.put(Buffer.from('ckpt/uniq-blocks'), Buffer.from('11'));
    await raw.close();
    s = await StoreStateMachine.open({ dir, log: ledger });
    expect(s.index.blocksComplete).toBe(false);
    expect(await ids(s)).toEqual(want(20));
    s.apply(entries.slice(21));
    await s.close();
    s = await StoreStateMachine.open({ dir, log: ledger });
    expect(s.index.blocksComplete).toBe(false); // once incomplete, always read from the keys
    expect(await ids(s)).toEqual(want(40));
    await s.close();
  });
});
