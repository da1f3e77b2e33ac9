import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Message } from '@ledgermq/raft';
import { OutboundQueue } from './outbound-queue.ts';
import { message } from './codec/arbitraries.test-util.ts';

const append = (index: number): Message => message({ type: 4, index });
const vote = (term: number): Message => message({ type: 2, term });

describe('OutboundQueue', () => {
  it('is FIFO and batches by bytes and count', () => {
    const q = new OutboundQueue(1_000);
    for (let i = 0; i < 5; i++) expect(q.push(append(i), 10)).toBe(0);
    const a = q.take(25, 100);
    expect(a.msgs.map((m) => m.index)).toEqual([0, 1]);
    expect(a.bytes).toBe(20);
    const b = q.take(1_000, 2);
    expect(b.msgs.map((m) => m.index)).toEqual([2, 3]);
    expect(q.length).toBe(1);
    expect(q.bytes).toBe(10);
  });

  it('always takes at least one message, even one larger than the batch limit', () => {
    const q = new OutboundQueue(1_000);
    q.push(append(1), 500);
    expect(q.take(100, 10).msgs).toHaveLength(1);
  });

  it('drops the oldest Appends first when full, keeping votes', () => {
    const q = new OutboundQueue(100);
    q.push(vote(1), 30);
    q.push(append(1), 30);
    q.push(append(2), 30);
    expect(q.push(vote(2), 30)).toBe(1);
    const out = q.take(1_000, 100).msgs;
    expect(out.map((m) => [m.type, m.type === 4 ? m.index : m.term])).toEqual([
      [2, 1],
      [4, 2],
      [2, 2],
    ]);
  });

  it('drops the new message when only non-Appends fill it, or when it alone is too big', () => {
    const q = new OutboundQueue(100);
    q.push(vote(1), 60);
    expect(q.push(vote(2), 60)).toBe(1);
    expect(q.push(append(1), 101)).toBe(1);
    expect(q.length).toBe(1);
  });

  it('respects reserved bytes', () => {
    const q = new OutboundQueue(100);
    expect(q.push(vote(1), 50, 60)).toBe(1);
    expect(q.push(vote(1), 40, 60)).toBe(0);
  });

  it('never exceeds its capacity and accounts every message (random operations)', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('push' as const), append: fc.boolean(), size: fc.integer({ min: 1, max: 120 }) }),
      fc.record({ kind: fc.constant('take' as const), bytes: fc.integer({ min: 1, max: 300 }), count: fc.integer({ min: 1, max: 5 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const q = new OutboundQueue(400);
        let pushed = 0;
        let dropped = 0;
        let taken = 0;
        let lastTakenSeq = -1;
        for (const o of ops) {
          if (o.kind === 'push') {
            pushed++;
            dropped += q.push(o.append ? append(pushed) : vote(pushed), o.size);
          } else {
            const got = q.take(o.bytes, o.count).msgs;
            for (const m of got) {
              const seq = m.type === 4 ? m.index : m.term;
              expect(seq).toBeGreaterThan(lastTakenSeq);
              lastTakenSeq = seq;
            }
            taken += got.length;
          }
          expect(q.bytes).toBeLessThanOrEqual(400);
        }
        expect(pushed).toBe(dropped + taken + q.length);
      }),
    );
  });
});
