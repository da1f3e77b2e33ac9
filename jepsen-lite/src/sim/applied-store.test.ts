import { describe, expect, it } from 'vitest';
import { AppliedStore, compareAppliedStores, queueOf, storeQueueCount } from './applied-store.ts';
import { runSimulation } from './simulator.ts';

describe('applied store check', () => {
  it('assigns offsets per queue in apply order and spreads payloads over the queues', () => {
    const s = new AppliedStore();
    const keys = Array.from({ length: 40 }, (_, i) => `p${i}`);
    keys.forEach((k, i) => expect(s.apply(i + 1, k)).toBeNull());
    expect(s.next.reduce((a, b) => a + b, 0)).toBe(40);
    expect(new Set(keys.map(queueOf)).size).toBe(storeQueueCount);
    const q = queueOf('p0');
    expect(s.placeOf.get(1)).toBe(`${q}:0`);
  });

  it('catches a node whose replay after a restore places an index elsewhere', () => {
    const s = new AppliedStore();
    s.apply(1, 'a');
    s.apply(2, 'b');
    s.restore(null); // a snapshot that lost the queue offsets
    s.apply(1, 'a');
    const q = queueOf('a');
    s.restore(s.next.map((n, i) => (i === q ? n + 1 : n)));
    expect(s.apply(1, 'a')).toMatch(/index 1 placed at/);
  });

  it('compares nodes: same index at another offset, or another payload at an offset', () => {
    const a = new AppliedStore();
    const b = new AppliedStore();
    const c = new AppliedStore();
    for (const [i, k] of [[1, 'x'], [2, 'y'], [3, 'z']] as const) {
      a.apply(i, k);
      b.apply(i, k);
    }
    expect(compareAppliedStores([['a', a], ['b', b]])).toBeNull();
    // c skipped index 2 (applied 3 where b applied 2): if both hash to one queue, offsets clash.
    c.apply(1, 'x');
    c.apply(3, 'z');
    const sameQueue = queueOf('y') === queueOf('z');
    expect(compareAppliedStores([['a', a], ['c', c]]) !== null).toBe(sameQueue);
    const d = new AppliedStore();
    d.apply(1, 'x');
    d.apply(2, 'not-y');
    d.restore(null);
    const e = new AppliedStore();
    e.apply(7, 'y'); // another index, first message of its queue
    const conflict = compareAppliedStores([['a', a], ['d', d], ['e', e]]);
    expect(conflict).not.toBeNull();
  });

  it('runs in every simulation: messages are applied and compared', () => {
    const r = runSimulation({ seed: 7, nodes: 5 });
    expect(r.violation).toBeNull();
    expect(r.stats.storeMessages).toBeGreaterThan(r.stats.acked as number);
  });
});
