import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PopQueue } from './pop-queue.ts';
import { decodeReceiptHandle, encodeReceiptHandle } from './receipt-handle.ts';
import { InvalidReceiptHandleError } from '../errors.ts';

describe('PopQueue', () => {
  it('delivers, hides for the invisible time, redelivers with the next attempt', () => {
    const q = new PopQueue(0);
    expect(q.deliver(0, 1, 1_000, 500)).toEqual({ offset: 0, attempt: 1, seq: 1 });
    expect(q.isReady(0, 1_499)).toBe(false);
    expect(q.isReady(0, 1_500)).toBe(true);
    expect(q.deliver(0, 2, 1_500, 500).attempt).toBe(2);
    // The first delivery's handle is stale now.
    expect(q.ack(0, 1)).toBe('stale-handle');
    expect(q.ack(0, 2)).toBe('acked');
    expect(q.committed).toBe(1);
    expect(q.ack(0, 2)).toBe('already-acked');
  });

  it('advances the committed offset only over a contiguous acked prefix', () => {
    const q = new PopQueue(10);
    for (const o of [10, 11, 12]) q.deliver(o, o, 0, 1_000);
    expect(q.ack(12, 12)).toBe('acked');
    expect(q.committed).toBe(10);
    expect(q.ack(10, 10)).toBe('acked');
    expect(q.committed).toBe(11);
    expect(q.ack(11, 11)).toBe('acked');
    expect(q.committed).toBe(13);
  });

  it("accepts an ack of an earlier leader's delivery it has no record of", () => {
    const q = new PopQueue(5);
    expect(q.ack(6, 99)).toBe('acked');
    expect(q.ack(5, 98)).toBe('acked');
    expect(q.committed).toBe(7);
  });

  it('changeInvisible needs the current handle and makes a new one current', () => {
    const q = new PopQueue(0);
    q.deliver(0, 1, 0, 10_000);
    expect(q.changeInvisible(0, 7, 8, 5)).toBe(false);
    expect(q.changeInvisible(0, 1, 2, 5)).toBe(true);
    expect(q.isReady(0, 5)).toBe(true);
    expect(q.ack(0, 1)).toBe('stale-handle');
    expect(q.ack(0, 2)).toBe('acked');
  });

  it('raiseFloor skips offsets deleted by retention', () => {
    const q = new PopQueue(0);
    q.deliver(1, 1, 0, 100);
    q.raiseFloor(3);
    expect(q.committed).toBe(3);
    expect(q.inflightCount).toBe(0);
    expect(q.isReady(2, 0)).toBe(false);
  });

  it('property: committed never moves backwards and equals the first unacked offset', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ op: fc.constantFrom('deliver', 'ack', 'nack'), offset: fc.nat({ max: 20 }), dt: fc.nat({ max: 50 }) }), { maxLength: 200 }), (ops) => {
        const q = new PopQueue(0);
        const acked = new Set<number>();
        const seqOf = new Map<number, number>();
        let now = 0;
        let seq = 0;
        let last = 0;
        for (const o of ops) {
          now += o.dt;
          if (o.op === 'deliver' && q.isReady(o.offset, now)) {
            seqOf.set(o.offset, ++seq);
            q.deliver(o.offset, seq, now, 30);
          } else if (o.op === 'ack' && seqOf.has(o.offset)) {
            if (q.ack(o.offset, seqOf.get(o.offset)!) !== 'stale-handle') acked.add(o.offset);
          } else if (o.op === 'nack' && seqOf.has(o.offset)) {
            if (q.changeInvisible(o.offset, seqOf.get(o.offset)!, ++seq, now)) seqOf.set(o.offset, seq);
          }
          expect(q.committed).toBeGreaterThanOrEqual(last);
          last = q.committed;
          let first = 0;
          while (acked.has(first)) first++;
          expect(q.committed).toBe(first);
        }
      }),
    );
  });
});

describe('receipt handles', () => {
  it('round-trips and rejects garbage', () => {
    const h = { term: 3, topic: 'Topic_a-1%x', queueId: 7, offset: 123_456_789, seq: 42 };
    expect(decodeReceiptHandle(encodeReceiptHandle(h))).toEqual(h);
    for (const bad of ['', 'x', 'r1.1.2.3', 'r2.1.2.3.4.dA', 'r1.-1.2.3.4.dA', 'r1.1.2.3.4.', 'r1.a.2.3.4.dA', 'r1.1.2.3.4.dA'.padEnd(2000, 'x')]) {
      expect(() => decodeReceiptHandle(bad), bad).toThrow(InvalidReceiptHandleError);
    }
  });
});
