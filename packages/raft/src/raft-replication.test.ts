import { describe, expect, it } from 'vitest';
import { batchBytesMax, inflightBatchesMax, replicateStallHeartbeatsMax } from './constants.ts';
import { TestCluster, text } from './testing/cluster.ts';
import { MessageType, type Message } from './types.ts';

const isAppendTo = (to: string) => (m: Message) => m.type === MessageType.Append && m.to === to;

/** a leads term 1; X (index 2) reached only b; then a restarts and wins term 2 without b. */
function figure8Setup(bugs = {}) {
  const c = new TestCluster(['a', 'b', 'c'], { bugs });
  c.campaign('a');
  c.tickAll(1);
  c.cutLink('a', 'c');
  // Over one batch, so the repair below sends X and the no-op in separate Appends.
  c.raft('a').propose(new Uint8Array(batchBytesMax + 1));
  c.process('a');
  c.deliver((m) => m.to === 'b');
  c.process('b');
  c.drop(); // b's ack never reaches a: X is not committed
  c.heal();
  c.restart('a');
  c.isolate('b');
  for (let i = 0; i < 20; i++) c.tick('c'); // c's lease on the old leader expires
  c.drop();
  const a = c.raft('a');
  for (let i = 0; i < 40 && a.status().role === 'follower'; i++) a.tick();
  for (let i = 0; i < 10 && a.status().role !== 'leader'; i++) {
    c.processAll();
    c.deliver();
  }
  expect(a.status()).toMatchObject({ role: 'leader', term: 2, lastIndex: 3, commit: 1 });
  return c;
}

describe('replication', () => {
  it('figure 8: an entry of an earlier term on a majority is not committed until one of the current term is', () => {
    const c = figure8Setup();
    // The first Appends to c were rejected and repaired; step until c acknowledges X alone.
    const a = c.raft('a');
    let sawMatch2 = false;
    for (let round = 0; round < 20; round++) {
      c.processAll();
      const acks = c.queue.filter((m) => m.type === MessageType.AppendResp && !m.reject && m.from === 'c');
      c.deliver();
      if (acks.some((m) => m.index === 2) && a.status().progress.c!.match === 2) {
        sawMatch2 = true;
        expect(a.status().commit).toBe(1);
        expect(a.readIndex()).toBeNull();
      }
      if (a.status().commit === 3) break;
    }
    expect(sawMatch2).toBe(true);
    expect(a.status().commit).toBe(3);
    expect(a.readIndex()).toBe(3);
  });

  it('figure 8 with the planted bug commitEarlierTerms commits the earlier-term entry on replica count', () => {
    const c = figure8Setup({ commitEarlierTerms: true });
    const a = c.raft('a');
    let committedEarly = false;
    for (let round = 0; round < 20; round++) {
      c.processAll();
      c.deliver();
      const s = a.status();
      if (s.progress.c!.match === 2 && s.commit === 2) committedEarly = true;
    }
    expect(committedEarly).toBe(true);
  });

  it('repairs a long divergent suffix with term hints: one rejection, not one per entry', () => {
    const c = new TestCluster(['a', 'b', 'c']);
    c.campaign('a');
    c.isolate('a');
    for (let i = 0; i < 50; i++) c.raft('a').propose(text(`lost-${i}`));
    for (let i = 0; i < 25; i++) c.tick('a');
    c.drop();
    expect(c.raft('a').status()).toMatchObject({ role: 'follower', lastIndex: 51, commit: 1 });
    for (let i = 0; i < 20; i++) c.tick('c');
    c.drop();
    c.campaign('b');
    expect(c.leaders()).toEqual(['b']);
    for (let i = 0; i < 49; i++) c.raft('b').propose(text(`kept-${i}`));
    c.stabilize();
    const before = c.raft('a').status().persistedIndex;
    expect(before).toBe(51);
    // a rejoins; heartbeats to a are dropped so that only the divergence search can repair it.
    c.heal();
    c.sent.length = 0;
    c.raft('b').transferLeadership('c');
    for (let round = 0; round < 100; round++) {
      c.processAll();
      c.drop((m) => m.to === 'a' && m.type === MessageType.Append && m.entries.length === 0);
      if (c.deliver() === 0) break;
    }
    expect(c.raft('c').status()).toMatchObject({ role: 'leader', term: 3, lastIndex: 52 });
    const rejects = c.sent.filter((m) => m.type === MessageType.AppendResp && m.reject && m.from === 'a');
    expect(rejects.length).toBeGreaterThan(0);
    expect(rejects.length).toBeLessThanOrEqual(2);
    const la = c.log('a');
    const lc = c.log('c');
    expect(la.map((e) => [e.index, e.term])).toEqual(lc.map((e) => [e.index, e.term]));
    c.tickAll(2);
    expect(c.raft('a').status().commit).toBe(52);
  });

  it('a follower that lost the entries it acknowledged (a repaired log) is probed from its real end and caught up', () => {
    const c = new TestCluster(['a', 'b', 'c']);
    c.campaign('a');
    c.stabilize();
    for (let i = 0; i < 20; i++) c.raft('a').propose(text(`e${i}`));
    c.stabilize();
    const before = c.raft('a').status();
    expect(c.raft('a').status().progress.c?.match).toBe(before.lastIndex);
    c.repair('c');
    expect(c.log('c')).toEqual([]);
    c.raft('a').propose(text('after the repair'));
    c.stabilize();
    // The leader had c at match = lastIndex; c's rejections below that must reset it, not be
    // dropped as stale (which left c empty forever, probing one index under the old match).
    expect(c.log('c')).toEqual(c.log('a'));
    expect(c.raft('a').status().progress.c?.match).toBe(c.raft('a').status().lastIndex);
    expect(c.raft('c').status()).toMatchObject({ term: before.term, commit: c.raft('a').status().commit });
  });

  it('pipelines at most inflightBatchesMax unacknowledged Appends per follower', () => {
    const c = new TestCluster(['a', 'b', 'c']);
    c.campaign('a');
    c.tickAll(1);
    for (let i = 0; i < 100; i++) {
      c.raft('a').propose(text(`m${i}`));
      c.process('a');
    }
    const toB = c.queue.filter((m) => isAppendTo('b')(m) && m.entries.length > 0);
    expect(toB).toHaveLength(inflightBatchesMax);
    expect(c.raft('a').status().progress.b!.inflight).toBe(inflightBatchesMax);
    c.stabilize();
    c.tickAll(1);
    for (const id of ['a', 'b', 'c']) expect(c.raft(id).status().commit).toBe(101);
  });

  it('answers to commit heartbeats do not make the leader re-send batches still on their way to a slow follower', () => {
    const c = new TestCluster(['a', 'b', 'c']);
    c.campaign('a');
    c.tickAll(1);
    const first = c.raft('a').status().lastIndex + 1;
    const rounds = 3 * replicateStallHeartbeatsMax;
    const heartbeatToC = (m: Message) => isAppendTo('c')(m) && m.entries.length === 0;
    for (let i = 0; i < rounds; i++) {
      c.raft('a').propose(text(`m${i}`));
      c.process('a');
      // b acks at once, so a commits and sends c a heartbeat; c's batches are slow to arrive,
      // and c answers each heartbeat at its old match.
      c.deliver((m) => m.to === 'b');
      c.process('b');
      c.deliver((m) => m.to === 'a');
      c.process('a');
      c.deliver(heartbeatToC);
      c.process('c');
      c.deliver((m) => m.to === 'a');
      c.process('a');
    }
    c.stabilize();
    const sentToC = c.sent.filter((m) => isAppendTo('c')(m) && m.entries.length > 0).flatMap((m) => m.entries.map((e) => e.index));
    expect(sentToC.filter((i) => i >= first)).toEqual(Array.from({ length: rounds }, (_, k) => first + k));
    expect(c.raft('a').status().progress.c!.match).toBe(c.raft('a').status().lastIndex);
  });

  it('batches lost on the way are sent again after replicateStallHeartbeatsMax heartbeat rounds without progress', () => {
    const c = new TestCluster(['a', 'b', 'c']);
    c.campaign('a');
    c.tickAll(1);
    c.raft('a').propose(text('lost'));
    c.process('a');
    expect(c.drop((m) => isAppendTo('c')(m) && m.entries.length > 0)).toBe(1);
    c.stabilize();
    const last = c.raft('a').status().lastIndex;
    for (let round = 1; round < replicateStallHeartbeatsMax; round++) {
      c.tick('a');
      c.stabilize();
      expect(c.raft('a').status().progress.c!.match).toBeLessThan(last);
    }
    c.tick('a');
    c.stabilize();
    expect(c.raft('a').status().progress.c!.match).toBe(last);
    expect(c.raft('c').status().lastIndex).toBe(last);
  });

  it('batches a lagging follower by bytes', () => {
    const c = new TestCluster(['a', 'b', 'c']);
    c.campaign('a');
    c.isolate('c');
    const size = 300 * 1024;
    for (let i = 0; i < 12; i++) c.raft('a').propose(new Uint8Array(size));
    c.stabilize();
    c.heal();
    c.sent.length = 0;
    c.tickAll(10);
    const batches = c.sent.filter((m) => isAppendTo('c')(m) && m.entries.length > 0);
    expect(batches.length).toBeGreaterThanOrEqual(3);
    for (const m of batches) {
      const bytes = m.entries.reduce((s, e) => s + e.data.length, 0);
      expect(bytes - (m.entries[m.entries.length - 1]!.data.length)).toBeLessThan(batchBytesMax);
    }
    expect(c.log('c').length).toBe(13);
  });

  it('heartbeats carry commit = min(commit, follower match)', () => {
    const c = new TestCluster(['a', 'b', 'c']);
    c.campaign('a');
    c.isolate('c');
    for (let i = 0; i < 5; i++) c.raft('a').propose(text('x'));
    c.stabilize();
    c.heal();
    c.sent.length = 0;
    c.tick('a');
    const hbs = c.queue.filter((m) => isAppendTo('c')(m) && m.entries.length === 0);
    expect(hbs).toHaveLength(1);
    expect(hbs[0]!.commit).toBe(1);
    expect(c.raft('a').status().commit).toBe(6);
  });

  it('durability: the leader counts its own entry only once persisted', () => {
    const c = new TestCluster(['a', 'b', 'c']);
    c.campaign('a');
    c.node('a').autoPersist = false;
    c.isolate('c');
    c.raft('a').propose(text('x'));
    c.stabilize();
    // b acked, but a has not fsynced: a and b are needed for a quorum without c.
    expect(c.raft('a').status().progress.b!.match).toBe(2);
    expect(c.raft('a').status().commit).toBe(1);
    c.fsync('a');
    expect(c.raft('a').status().commit).toBe(2);
  });

  it('durability: a follower acknowledges an Append only once persisted', () => {
    const c = new TestCluster(['a', 'b', 'c']);
    c.campaign('a');
    c.node('b').autoPersist = false;
    c.isolate('c');
    c.raft('a').propose(text('x'));
    c.stabilize();
    expect(c.raft('b').status()).toMatchObject({ lastIndex: 2, persistedIndex: 1 });
    expect(c.sent.some((m) => m.type === MessageType.AppendResp && m.from === 'b' && m.index === 2)).toBe(false);
    expect(c.raft('a').status().commit).toBe(1);
    c.fsync('b');
    c.stabilize();
    expect(c.sent.some((m) => m.type === MessageType.AppendResp && m.from === 'b' && m.index === 2)).toBe(true);
    expect(c.raft('a').status().commit).toBe(2);
  });

  it('a follower does not apply a committed entry before persisting it', () => {
    const c = new TestCluster(['a', 'b', 'c']);
    c.campaign('a');
    c.tickAll(1);
    c.node('b').autoPersist = false;
    c.raft('a').propose(text('x'));
    c.stabilize();
    c.tickAll(1); // heartbeat tells b commit 2... capped by b's match, so b learns it only after its ack
    expect(c.raft('a').status().commit).toBe(2);
    expect(c.node('b').applied.map((e) => e.index)).toEqual([1]);
    c.fsync('b');
    c.stabilize();
    c.tickAll(1);
    expect(c.node('b').applied.map((e) => e.index)).toEqual([1, 2]);
  });

  it('planted bug ackBeforeFsync: the follower acknowledges before persisting', () => {
    const c = new TestCluster(['a', 'b', 'c'], { bugs: { ackBeforeFsync: true } });
    c.campaign('a');
    c.node('b').autoPersist = false;
    c.isolate('c');
    c.raft('a').propose(text('x'));
    c.stabilize();
    expect(c.raft('b').status().persistedIndex).toBe(1);
    expect(c.raft('a').status().commit).toBe(2);
  });

  it('a truncation lowers the persisted index', () => {
    const c = new TestCluster(['a', 'b', 'c']);
    c.campaign('a');
    c.isolate('a');
    for (let i = 0; i < 3; i++) c.raft('a').propose(text('lost'));
    c.process('a');
    expect(c.raft('a').status().persistedIndex).toBe(4);
    for (let i = 0; i < 25; i++) c.tick('a');
    for (let i = 0; i < 20; i++) c.tick('c');
    c.drop();
    c.campaign('b');
    c.node('a').autoPersist = false;
    c.heal();
    c.tickAll(2);
    expect(c.raft('a').status().persistedIndex).toBe(1);
    c.fsync('a');
    expect(c.raft('a').status().persistedIndex).toBe(2);
  });

  it('planted bug truncateCommitted: a stale Append drops acknowledged entries', () => {
    const run = (bugs: object) => {
      const c = new TestCluster(['a', 'b', 'c'], { bugs });
      c.campaign('a');
      c.tickAll(1);
      c.raft('a').propose(text('x'));
      c.process('a');
      const stale = c.queue.filter(isAppendTo('b'));
      c.stabilize();
      c.raft('a').propose(text('y'));
      c.stabilize();
      expect(c.raft('b').status().lastIndex).toBe(3);
      for (const m of stale) c.raft('b').step(m); // a delayed duplicate of the Append of x
      c.process('b');
      c.drop();
      return c.raft('b').status().lastIndex;
    };
    expect(run({})).toBe(3);
    expect(run({ truncateCommitted: true })).toBe(2);
  });
});
