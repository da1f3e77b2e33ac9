// The checkers on synthetic histories: a clean one passes, and each violation makes its checker fail.

import { describe, expect, it } from 'vitest';
import { checkAll, checkAvailability, checkDuplicated, checkFifo, checkLost, checkOnePerPosition, checkRecovered, checkUnexpected, median, unavailabilityWindows } from './checkers.ts';
import type { FaultRecord, Op } from './history.ts';
import { parseJsonl, toJsonl } from './history.ts';

class H {
  readonly ops: Op[] = [];
  private t = 0;
  private offset = 0;
  private id = 0;
  readonly ids = new Map<string, string>();
  at(t: number): this {
    this.t = t;
    return this;
  }
  private add(o: Omit<Op, 'time' | 'node'>): void {
    this.ops.push({ time: this.t++, node: 'n0', ...o });
  }
  send(value: string, outcome: 'ok' | 'fail' | 'info' = 'ok', group: string | null = null): number {
    this.add({ process: value.split('-')[0]!, type: 'invoke', op: 'send', value, group });
    const messageId = `ID${this.id++}`;
    this.ids.set(value, messageId);
    const off = this.offset++;
    this.add({ process: value.split('-')[0]!, type: outcome, op: 'send', value, group, messageId: outcome === 'ok' ? messageId : null, offset: outcome === 'ok' ? off : null, queue: 0 });
    return off;
  }
  read(value: string, offset: number, opts: { messageId?: string; group?: string | null; process?: string } = {}): void {
    const process = opts.process ?? 'c0';
    this.add({ process, type: 'invoke', op: 'receive', value: null });
    this.add({ process, type: 'ok', op: 'receive', value, offset, queue: 0, messageId: opts.messageId ?? this.ids.get(value) ?? 'X', group: opts.group ?? null });
  }
  ack(value: string, ok = true): void {
    this.add({ process: 'c0', type: 'invoke', op: 'ack', value });
    this.add({ process: 'c0', type: ok ? 'ok' : 'info', op: 'ack', value });
  }
}

function clean(): H {
  const h = new H();
  const a = h.send('p0-0');
  const b = h.send('p0-1');
  h.read('p0-0', a);
  h.ack('p0-0');
  h.read('p0-1', b);
  h.ack('p0-1');
  return h;
}

describe('checkers', () => {
  it('a clean history passes every checker', () => {
    const h = clean();
    const res = checkAll(h.ops, [], { fifo: true });
    expect(res.map((r) => [r.name, r.pass])).toEqual([
      ['lost', true],
      ['unexpected', true],
      ['duplicated', true],
      ['recovered', true],
      ['fifo', true],
      ['one-per-position', true],
      ['availability', true],
    ]);
  });

  it('lost: an acknowledged send never read fails', () => {
    const h = clean();
    h.send('p1-0');
    const r = checkLost(h.ops);
    expect(r.pass).toBe(false);
    expect(r.items).toEqual(['p1-0']);
    expect(r.figures).toMatchObject({ acked: 3, lost: 1 });
  });

  it('lost: an unknown-outcome send never read is not lost', () => {
    const h = clean();
    h.send('p1-0', 'info');
    expect(checkLost(h.ops).pass).toBe(true);
  });

  it('unexpected: a value read but never sent fails, and so does a read after a failed send', () => {
    const h = clean();
    h.read('ghost-1', 99, { messageId: 'G' });
    expect(checkUnexpected(h.ops).pass).toBe(false);
    const h2 = clean();
    const off = h2.send('p1-0', 'fail');
    h2.read('p1-0', off + 10);
    const r = checkUnexpected(h2.ops);
    expect(r.pass).toBe(false);
    expect(r.items[0]).toContain('send failed');
  });

  it('duplicated: a redelivery of the same position is allowed, one message id at two positions is not', () => {
    const h = clean();
    h.read('p0-0', 0); // redelivered after its ack
    const r = checkDuplicated(h.ops);
    expect(r.pass).toBe(true);
    expect(r.figures).toMatchObject({ duplicated: 1, redelivered: 1, redeliveredAfterAck: 1, duplicateStorage: 0 });
    const h2 = clean();
    h2.read('p0-0', 7); // same id, another offset: stored twice
    const r2 = checkDuplicated(h2.ops);
    expect(r2.pass).toBe(false);
    expect(r2.figures.duplicateStorage).toBe(1);
    const h3 = clean();
    h3.read('p0-1', 8, { messageId: 'OTHER' }); // one value under two message ids
    expect(checkDuplicated(h3.ops).pass).toBe(false);
  });

  it('recovered: an unknown-outcome send read later is counted', () => {
    const h = clean();
    const off = h.send('p1-0', 'info');
    h.read('p1-0', off);
    const r = checkRecovered(h.ops);
    expect(r.pass).toBe(true);
    expect(r.figures).toMatchObject({ unknown: 1, recovered: 1 });
  });

  it('fifo: a message read before an earlier acknowledged one of its group fails', () => {
    const h = new H();
    const a = h.send('p0-0', 'ok', 'g0');
    const b = h.send('p0-1', 'ok', 'g0');
    const c = h.send('p1-0', 'ok', 'g1');
    h.read('p0-1', b, { group: 'g0' });
    h.read('p1-0', c, { group: 'g1' });
    h.read('p0-0', a, { group: 'g0' });
    const r = checkFifo(h.ops);
    expect(r.pass).toBe(false);
    expect(r.figures.orderViolations).toBe(1);
    expect(r.items[0]).toContain('p0-1 read before p0-0');
    // Other groups may interleave freely; concurrent (unacknowledged-before) sends impose nothing.
    const ok = new H();
    const x = ok.send('p0-0', 'info', 'g0');
    const y = ok.send('p0-1', 'ok', 'g0');
    ok.read('p0-1', y, { group: 'g0' });
    ok.read('p0-0', x, { group: 'g0' });
    expect(checkFifo(ok.ops).pass).toBe(true);
  });

  it('one-per-position: two messages at one (queue, offset) fail', () => {
    const h = clean();
    const off = h.send('p1-0');
    h.read('p1-0', 0); // offset 0 already holds p0-0
    expect(off).toBe(2);
    const r = checkOnePerPosition(h.ops);
    expect(r.pass).toBe(false);
    expect(r.items[0]).toContain('0:0');
  });

  it('availability: windows from fault start to the next ok send and delivery, and after heal; no recovery fails', () => {
    const h = new H();
    h.at(0).send('p0-0');
    h.at(1_000).send('p0-1', 'info'); // during the fault
    h.at(2_500).send('p0-2');
    h.at(2_600).read('p0-0', 0);
    h.at(4_200).send('p0-3');
    const faults: FaultRecord[] = [{ name: 'kill-leader', start: 1_000, end: 4_000, targets: ['n0'], detail: '' }];
    const [w] = unavailabilityWindows(h.ops, faults);
    expect(w).toMatchObject({ sendWindowMs: 1_501, receiveWindowMs: 1_601, recoverSendMs: 201 });
    expect(checkAvailability(h.ops, faults).pass).toBe(true);
    const never: FaultRecord[] = [{ name: 'kill-all', start: 5_000, end: 6_000, targets: [], detail: '' }];
    const r = checkAvailability(h.ops, never);
    expect(r.pass).toBe(false);
    expect(r.items[0]).toContain('no successful send after the heal');
    expect(checkAvailability(h.ops, [{ name: 'pause', start: 0, end: null, targets: [], detail: '' }]).pass).toBe(false);
  });

  it('median and JSONL round trip', () => {
    expect(median([])).toBeNull();
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    const h = clean();
    expect(parseJsonl<Op>(toJsonl(h.ops))).toEqual(h.ops);
  });
});
