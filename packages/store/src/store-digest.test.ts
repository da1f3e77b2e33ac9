import path from 'node:path';
import { appendFileSync, cpSync, readdirSync } from 'node:fs';
import type { Ledger } from '@ledgermq/ledger';
import { afterEach, describe, expect, it } from 'vitest';
import { CommandKind } from './command-kind.ts';
import { encodeCommand } from './commands.ts';
import { StoreStateMachine } from './store-state-machine.ts';
import { appendBodies, batchBody, createTopicBody, message, openLedger, tempDir } from './test-helpers.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function scratch(): string {
  const t = tempDir('digest');
  cleanups.push(t.cleanup);
  return t.dir;
}

function ledgerIn(dir: string): Ledger {
  const l = openLedger(path.join(dir, 'ledger'));
  cleanups.push(() => l.close());
  return l;
}

async function open(dir: string, log: Ledger): Promise<StoreStateMachine> {
  const s = await StoreStateMachine.open({ dir, log, cqRecordsPerFile: 8 });
  cleanups.push(() => s.close().catch(() => {}));
  return s;
}

function fill(ledger: Ledger, n: number, tag = 'm'): void {
  const bodies: Uint8Array[] = ledger.lastIndex() === 0 ? [createTopicBody('T', 2)] : [];
  for (let k = 0; k < n; k++) bodies.push(batchBody('T', k % 2, [message(`${tag}-${k}`, { keys: [`k${k % 3}`], uniqKey: `${tag}-U${k}` })], 1_700_000_000_000 + k));
  bodies.push(encodeCommand({ kind: CommandKind.OffsetCommit, group: 'G', topic: 'T', queueId: 0, offset: 3 }));
  appendBodies(ledger, bodies);
}

function applyAll(s: StoreStateMachine, ledger: Ledger): void {
  s.apply(ledger.entries(s.lastApplied() + 1, ledger.lastIndex() + 1, 1 << 30));
}

describe('StoreStateMachine.digest', () => {
  it('is equal on stores that applied the same log (one crashed and replayed), and covers every part', async () => {
    const root = scratch();
    const ledger = ledgerIn(root);
    fill(ledger, 40);
    const a = await open(path.join(root, 'a'), ledger);
    applyAll(a, ledger);
    const b = await open(path.join(root, 'b'), ledger);
    b.apply(ledger.entries(1, 20, 1 << 30));
    await b.flush();
    b.apply(ledger.entries(20, ledger.lastIndex() + 1, 1 << 30));
    // A crash after the checkpoint at 19: queue records past it, and torn bytes, on disk.
    cpSync(path.join(root, 'b'), path.join(root, 'crashed'), { recursive: true });
    const qdir = path.join(root, 'crashed', 'consumequeue', 'T', '0');
    appendFileSync(path.join(qdir, readdirSync(qdir).sort().pop()!), Buffer.from('torn'));
    const b2 = await open(path.join(root, 'crashed'), ledger);
    expect(b2.appliedIndex()).toBe(19);
    applyAll(b2, ledger);

    const da = await a.digest();
    const db = await b2.digest();
    expect(da.appliedIndex).toBe(ledger.lastIndex()); // flushed first
    expect(da.lastApplied).toBe(ledger.lastIndex());
    expect(db).toEqual(da);
    expect(da.queues.map((q) => [q.topic, q.queueId, q.minOffset, q.nextOffset, q.files.length])).toEqual([['T', 0, 0, 20, 3], ['T', 1, 0, 20, 3]]);
    expect(da.queues[0].files.map((f) => f.bytes)).toEqual([160, 160, 80]);
    expect(da.db.meta.entries).toBe(2); // topic T, offset of G
    expect(da.db.index.entries).toBe(40 * 2); // uniqKey, key (time look-ups read the ConsumeQueues)
    expect(da.db.checkpoint.entries).toBe(2 + 2); // applied, voters, two queues
    expect(da.db.other.entries).toBe(0);
    expect(da.db.all.entries).toBe(da.db.meta.entries + da.db.index.entries + da.db.checkpoint.entries);
  });

  it('tells different states apart: one more message, another message body, another offset', async () => {
    const root = scratch();
    const ledger = ledgerIn(root);
    fill(ledger, 10);
    const other = ledgerIn(path.join(root, 'other'));
    fill(other, 10, 'x'); // same shape, different bodies and keys
    const a = await open(path.join(root, 'a'), ledger);
    applyAll(a, ledger);
    const b = await open(path.join(root, 'b'), other);
    applyAll(b, other);
    const da = await a.digest();
    const db = await b.digest();
    expect(db.appliedIndex).toBe(da.appliedIndex);
    expect(db.db.meta).toEqual(da.db.meta);
    // Same record sizes and no tags: the ConsumeQueue files cannot tell these apart, the index (client ids) does.
    expect(db.queues).toEqual(da.queues);
    expect(db.db.index.sha256).not.toBe(da.db.index.sha256);
    expect(db.db.all.sha256).not.toBe(da.db.all.sha256);
    appendBodies(ledger, [batchBody('T', 0, [message('one-more')], 1_700_000_100_000)]);
    applyAll(a, ledger);
    const da2 = await a.digest();
    expect(da2.queues[0].files).not.toEqual(da.queues[0].files);
    expect(da2.db.checkpoint.sha256).not.toBe(da.db.checkpoint.sha256);
    appendBodies(ledger, [encodeCommand({ kind: CommandKind.OffsetCommit, group: 'G', topic: 'T', queueId: 0, offset: 4 })]);
    applyAll(a, ledger);
    const da3 = await a.digest();
    expect(da3.db.meta.sha256).not.toBe(da2.db.meta.sha256);
    expect(da3.queues).toEqual(da2.queues);
  });

  it('leaves the node-specific restore token out: two restores of one snapshot digest alike', async () => {
    const root = scratch();
    const ledger = ledgerIn(root);
    fill(ledger, 12);
    const leader = await open(path.join(root, 'leader'), ledger);
    applyAll(leader, ledger);
    await leader.flush();
    const snap = leader.snapshot();
    const at = leader.appliedIndex();
    const f1 = await open(path.join(root, 'f1'), ledger);
    const f2 = await open(path.join(root, 'f2'), ledger);
    f1.restore(snap, at);
    f2.restore(snap, at);
    const d1 = await f1.digest();
    const d2 = await f2.digest();
    expect(d1.db.excluded).toContain('ckpt/restore');
    expect(d2).toEqual(d1);
    // Against the leader: metadata and next offsets agree; the restored queues start at them.
    const dl = await leader.digest();
    expect(d1.db.meta).toEqual(dl.db.meta);
    expect(d1.queues.map((q) => q.nextOffset)).toEqual(dl.queues.map((q) => q.nextOffset));
    expect(d1.queues.every((q) => q.minOffset === q.nextOffset && q.files.length === 0)).toBe(true);
  });
});
