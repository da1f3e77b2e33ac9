// Retention by disk size (RocketMQ's diskMaxUsedSpaceRatio, as the ledger's bytesMax) with a
// real Ledger and StoreStateMachine, driven the way raft-node's retention pass drives them:
// snapshot at the durable applied index, applyRetention, then logTruncated(first position).
// Reading below the new minimum answers "offset moved" with it, never garbage, also after a
// reopen and on a follower restored from the snapshot.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Ledger, RealFileSystem } from '@ledgermq/ledger';
import { type Entry, EntryType } from '@ledgermq/raft';
import { CommandKind, emptyProperties, encodeCommand, encodeMessageBatch, MessageNotFoundError, ReadStatus, StoreStateMachine, topicConfig } from '@ledgermq/store';

const segmentBytes = 64 * 1024;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function scratch(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ledgermq-store-retention-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function openLedger(dir: string): Ledger {
  const l = Ledger.open({ fs: new RealFileSystem(), dir, groupId: 'g1', segmentBytes });
  cleanups.push(() => l.close());
  return l;
}

async function openStore(dir: string, log: Ledger): Promise<StoreStateMachine> {
  // Small sweep steps: the index sweep after retention takes several, as on a big store.
  const s = await StoreStateMachine.open({ dir, log, cqRecordsPerFile: 64, indexSweepKeysPerStep: 16 });
  cleanups.push(() => s.close().catch(() => {}));
  return s;
}

/** A topic with 2 queues, then `n` one-message entries of ~2 KiB alternating between them. */
function writeLog(ledger: Ledger, n: number): Entry[] {
  let index = ledger.lastIndex();
  const entry = (data: Uint8Array): Entry => ({ index: ++index, term: 1, type: EntryType.Normal, data });
  const out = [entry(encodeCommand({ kind: CommandKind.TopicCreate, topic: topicConfig('R', { readQueueNums: 2, writeQueueNums: 2 }) }))];
  for (let k = 0; k < n; k++) {
    out.push(entry(encodeMessageBatch({
      topic: 'R', queueId: k % 2, storeHost: '10.0.0.1:10911', storeTimestampMs: 1_700_000_000_000 + k,
      messages: [{ flag: 0, sysFlag: 0, reconsumeTimes: 0, bornHost: '10.0.0.9:1', bornTimestampMs: 1, properties: emptyProperties({ keys: [`k${k}`] }), body: Buffer.alloc(2048, 0x30 + (k % 10)) }],
    })));
  }
  ledger.append(out);
  ledger.sync();
  return out;
}

/** What RaftNode.retention() does, with a size limit instead of (or besides) an age limit. */
async function retention(ledger: Ledger, store: StoreStateMachine, bytesMax: number): Promise<number> {
  await store.flush();
  const applied = store.appliedIndex();
  const loc = ledger.location(applied);
  ledger.saveSnapshot({ meta: { index: applied, term: 1, conf: { voters: ['n1'] } }, data: store.snapshot() }, loc.pos + loc.size);
  const { deletedSegments } = ledger.applyRetention({ nowMs: Date.now(), bytesMax });
  if (deletedSegments > 0) store.truncateBefore(ledger.location(ledger.firstIndex()).pos);
  return deletedSegments;
}

describe('store retention by disk size', () => {
  it('deletes the oldest whole segments over the limit; queues, reads and look-ups follow', async () => {
    const root = scratch();
    const ledger = openLedger(path.join(root, 'ledger'));
    const entries = writeLog(ledger, 200); // ~420 KiB: 7 segments of 64 KiB
    const store = await openStore(path.join(root, 'store'), ledger);
    store.apply(entries);
    const before = ledger.status();
    expect(before.segments).toBeGreaterThanOrEqual(6);

    // An age limit alone (72 h) deletes nothing; a size limit of half the log deletes the oldest.
    expect(ledger.applyRetention({ nowMs: Date.now(), maxAgeMs: 72 * 3600_000 }).deletedSegments).toBe(0);
    const [gone] = await store.index.byKey('R', 'k0');
    expect(store.reader.readByPhysicalOffset(gone!.physicalOffset).body[0]).toBe(0x30);
    const deleted = await retention(ledger, store, Math.floor(before.bytes / 2));
    expect(deleted).toBeGreaterThan(0);
    const after = ledger.status();
    expect(after.bytes).toBeLessThanOrEqual(Math.floor(before.bytes / 2) + segmentBytes);
    expect(after.firstIndex).toBeGreaterThan(1);
    const firstPos = ledger.location(after.firstIndex).pos;

    for (const q of [0, 1]) {
      const state = store.queueState('R', q)!;
      expect(state.nextOffset).toBe(100);
      expect(state.minOffset).toBeGreaterThan(0);
      // The new minimum is the first record whose message is still in the log.
      const first = store.reader.readQueue('R', q, state.minOffset, { countMax: 1 });
      expect(first.status).toBe(ReadStatus.Found);
      expect(first.messages[0]!.physicalOffset).toBeGreaterThanOrEqual(firstPos);
      const moved = store.reader.readQueue('R', q, 0);
      expect(moved).toMatchObject({ status: ReadStatus.OffsetMoved, nextOffset: state.minOffset, minOffset: state.minOffset, messages: [] });
      expect(store.reader.readQueue('R', q, state.minOffset - 1).status).toBe(ReadStatus.OffsetMoved);
      // Finding by time skips what is gone.
      expect(store.reader.offsetForTimestamp('R', q, 0)).toBe(state.minOffset);
    }
    // The index follows: look-ups by key and by time return only what the log still holds,
    // at once; a deleted message's offset resolves to "not found", never to other bytes.
    const retained = (st: StoreStateMachine) => [0, 1].reduce((n, q) => n + st.queueState('R', q)!.nextOffset - st.queueState('R', q)!.minOffset, 0);
    const kept = retained(store);
    expect(kept).toBeLessThan(200);
    expect(await store.index.byKey('R', 'k0')).toEqual([]);
    expect(() => store.reader.readByPhysicalOffset(gone!.physicalOffset)).toThrow(MessageNotFoundError);
    const [last] = await store.index.byKey('R', 'k199');
    expect(store.reader.readByPhysicalOffset(last!.physicalOffset).body[0]).toBe(0x30 + 9);
    const byTime = store.reader.byTimeRange('R', 0, Number.MAX_SAFE_INTEGER, 1024);
    expect(byTime.length).toBe(kept);
    expect(Math.min(...byTime.map((h) => h.physicalOffset))).toBeGreaterThanOrEqual(firstPos);
    // ...and LevelDB loses the entries below the log start: the sweep, in bounded steps.
    await store.indexSwept();
    expect((await store.digest()).db.index.entries).toBe(kept); // one key entry per message
    const [first] = await store.index.byKey('R', `k${200 - kept}`);
    expect(first!.physicalOffset).toBeGreaterThanOrEqual(firstPos);
    expect(await store.index.byKey('R', `k${199 - kept}`)).toEqual([]);

    // The raised minimums are durable: a reopened store answers the same.
    const states = store.queueStates();
    await store.close();
    const again = await openStore(path.join(root, 'store'), ledger);
    expect(again.queueStates()).toEqual(states);
    expect(again.reader.readQueue('R', 0, 0).status).toBe(ReadStatus.OffsetMoved);

    // A follower that needs deleted entries installs the snapshot and answers alike.
    const follower = await openStore(path.join(root, 'follower'), ledger);
    const snap = ledger.snapshot()!;
    follower.restore(snap.data, snap.meta.index);
    follower.apply(ledger.entries(snap.meta.index + 1, ledger.lastIndex() + 1, 1 << 30));
    for (const [key, s] of again.queueStates()) expect(follower.queueStates().get(key)!.nextOffset).toBe(s.nextOffset);
    const fmin = follower.queueState('R', 0)!.minOffset;
    expect(follower.reader.readQueue('R', 0, 0)).toMatchObject({ status: ReadStatus.OffsetMoved, nextOffset: fmin });
    expect(follower.metadata.encodedEntries()).toEqual(again.metadata.encodedEntries());
  });
});
