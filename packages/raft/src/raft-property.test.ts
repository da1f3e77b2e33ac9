import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TestCluster, text } from './testing/cluster.ts';
import type { Entry } from './types.ts';

const ids = ['a', 'b', 'c'] as const;

type Op =
  | { k: 'tick'; n: number }
  | { k: 'deliver'; i: number }
  | { k: 'dup'; i: number }
  | { k: 'drop'; i: number }
  | { k: 'propose' }
  | { k: 'fsync'; n: number }
  | { k: 'restart'; n: number }
  | { k: 'isolate'; n: number }
  | { k: 'heal' }
  | { k: 'round' }
  | { k: 'tickAll' }
  | { k: 'beacon'; n: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ k: fc.constant('tick' as const), n: fc.nat(2) }) },
  { weight: 10, arbitrary: fc.record({ k: fc.constant('deliver' as const), i: fc.nat(50) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('dup' as const), i: fc.nat(50) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('drop' as const), i: fc.nat(50) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('propose' as const) }) },
  { weight: 5, arbitrary: fc.record({ k: fc.constant('fsync' as const), n: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('restart' as const), n: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('isolate' as const), n: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('heal' as const) }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('round' as const) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('tickAll' as const) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('beacon' as const), n: fc.nat(2) }) },
);

function apply(c: TestCluster, op: Op, seq: { n: number }): void {
  const at = (i: number) => i % Math.max(1, c.queue.length);
  switch (op.k) {
    case 'tick':
      c.raft(ids[op.n]!).tick();
      break;
    case 'deliver':
    case 'dup': {
      if (c.queue.length === 0) break;
      const m = c.queue[at(op.i)]!;
      if (op.k === 'deliver') c.queue.splice(at(op.i), 1);
      c.raft(m.to).step(m);
      break;
    }
    case 'drop':
      if (c.queue.length > 0) c.queue.splice(at(op.i), 1);
      break;
    case 'propose':
      for (const id of c.leaders()) {
        try {
          c.raft(id).propose(text(`v${seq.n++}`));
        } catch {
          // busy or transferring: fine
        }
      }
      break;
    case 'fsync':
      c.fsync(ids[op.n]!);
      break;
    case 'restart':
      c.restart(ids[op.n]!);
      break;
    case 'isolate':
      c.isolate(ids[op.n]!);
      break;
    case 'heal':
      c.heal();
      break;
    case 'round':
      // Deliver what is in flight now, in a random-ish rotation (what arrives meanwhile waits).
      for (const m of c.queue.splice(0, c.queue.length)) c.raft(m.to).step(m);
      break;
    case 'tickAll':
      for (const id of ids) c.raft(id).tick();
      break;
    case 'beacon':
      // Every node that believes it leads (a deposed one too) beacons its term to one node.
      for (const id of c.leaders()) c.raft(ids[op.n]!).leaderAlive(id, c.raft(id).status().term);
      break;
  }
  c.processAll();
}

const key = (e: Entry) => `${e.index}/${e.term}/${e.type}/${new TextDecoder().decode(e.data)}`;

function checkInvariants(c: TestCluster, leaderOfTerm: Map<number, string>): void {
  for (const n of c.nodes.values()) {
    const s = n.raft.status();
    if (s.role === 'leader') {
      const prev = leaderOfTerm.get(s.term);
      expect(prev === undefined || prev === n.id, `two leaders in term ${s.term}: ${prev} and ${n.id}`).toBe(true);
      leaderOfTerm.set(s.term, n.id);
    }
  }
  // Log matching: same index and term => identical prefixes.
  const logs = ids.map((id) => new Map(c.log(id).map((e) => [e.index, e])));
  for (let x = 0; x < logs.length; x++) {
    for (let y = x + 1; y < logs.length; y++) {
      const lx = logs[x]!;
      const ly = logs[y]!;
      let matched = false;
      const top = Math.min(Math.max(0, ...lx.keys()), Math.max(0, ...ly.keys()));
      for (let i = top; i >= 1; i--) {
        const ex = lx.get(i);
        const ey = ly.get(i);
        if (ex === undefined || ey === undefined) break;
        if (matched) expect(key(ex)).toBe(key(ey));
        else if (ex.term === ey.term) {
          matched = true;
          expect(key(ex)).toBe(key(ey));
        }
      }
    }
  }
  // State machine safety: applied sequences are prefixes of one another.
  const applied = ids.map((id) => c.node(id).applied.map(key));
  const longest = applied.reduce((a, b) => (b.length > a.length ? b : a));
  for (const a of applied) expect(a).toEqual(longest.slice(0, a.length));
}

describe('random schedules', () => {
  it('keep election safety, log matching and one applied history, then make progress when healed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.array(opArb, { minLength: 100, maxLength: 800, size: "max" }), (seed, ops) => {
        const c = new TestCluster([...ids], { seed, electionTicks: 4 });
        for (const id of ids) c.node(id).autoPersist = false;
        const leaderOfTerm = new Map<number, string>();
        const seq = { n: 0 };
        for (const op of ops) {
          apply(c, op, seq);
          checkInvariants(c, leaderOfTerm);
        }
        // Liveness: heal, fsync eagerly, and a proposal must commit everywhere within a bound.
        c.heal();
        for (const id of ids) {
          c.node(id).autoPersist = true;
          c.fsync(id);
        }
        let done = false;
        let target: { index: number; term: number } | null = null;
        for (let round = 0; round < 300 && !done; round++) {
          c.tickAll(1);
          checkInvariants(c, leaderOfTerm);
          const [leader] = c.leaders();
          if (target === null && leader !== undefined) {
            try {
              target = c.raft(leader).propose(text('final'));
            } catch {
              // a transfer may be in progress; try again next round
            }
          }
          const t = target;
          done = t !== null && ids.every((id) => c.node(id).applied.some((e) => e.index === t.index && e.term === t.term));
        }
        expect(done).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
});
