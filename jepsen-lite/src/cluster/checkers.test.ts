// The checkers on synthetic histories: a clean one passes, and each violation makes its checker fail.

import { describe, expect, it } from 'vitest';
import { checkAll, checkAvailability, checkDelay, checkDuplicated, checkFifo, checkLost, checkOnePerPosition, checkProgress, checkRecovered, checkTransactions, checkUnexpected, median, unavailabilityWindows } from './checkers.ts';
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
  /** A committed-offset sample of group G, queue 0, from `node` at `term`. */
  progress(offset: number, node = 'n0', term = 1, queue = 0): void {
    this.ops.push({ time: this.t++, process: 'sampler', node, type: 'ok', op: 'progress', value: null, group: 'G', topic: 'T', queue, offset, term });
  }
  reset(queue = 0): void {
    this.ops.push({ time: this.t++, process: 'admin', node: 'n0', type: 'ok', op: 'reset', value: null, group: 'G', topic: 'T', queue });
  }
  delay(value: string, deliverAt: number): void {
    const process = value.split('-')[0]!;
    this.add({ process, type: 'invoke', op: 'send', value, kind: 'delay', deliverAt });
    this.add({ process, type: 'ok', op: 'send', value, kind: 'delay', messageId: `ID${this.id++}`, queue: 0 });
  }
  /** A transaction: half sent (ok), then commit / rollback with the given outcome. */
  txn(value: string, txn: 'commit' | 'rollback', end: 'ok' | 'info' = 'ok'): void {
    const process = value.split('-')[0]!;
    this.add({ process, type: 'invoke', op: 'send', value, kind: 'transaction', txn });
    this.add({ process, type: 'ok', op: 'send', value, kind: 'transaction', txn, messageId: `ID${this.id++}`, queue: 0 });
    this.add({ process, type: 'invoke', op: 'end', value, txn });
    this.add({ process, type: end, op: 'end', value, txn });
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
      ['progress', true],
      ['availability', true],
    ]);
    expect(checkAll(h.ops, [], { fifo: false, mixed: true }).map((r) => r.name)).toEqual(['lost', 'unexpected', 'duplicated', 'recovered', 'fifo', 'delay', 'transactions', 'one-per-position', 'progress', 'availability']);
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
    expect(w).toMatchObject({ sendWindowMs: 1_501, receiveWindowMs: 1_601, recoverSendMs: 201, sendGapMaxMs: 1_700, receiveGapMaxMs: null });
    expect(checkAvailability(h.ops, faults).pass).toBe(true);
    const never: FaultRecord[] = [{ name: 'kill-all', start: 5_000, end: 6_000, targets: [], detail: '' }];
    const r = checkAvailability(h.ops, never);
    expect(r.pass).toBe(false);
    expect(r.items[0]).toContain('no successful send after the heal');
    expect(checkAvailability(h.ops, [{ name: 'pause', start: 0, end: null, targets: [], detail: '' }]).pass).toBe(false);
  });

  it('availability: the longest gap sees an outage that a send finishing just after the fault start hides', () => {
    const h = new H();
    for (let t = 0; t < 1_000; t += 10) h.at(t).send(`p0-${t}`);
    h.at(1_000).send('p0-stray'); // on its way as the leader's loop stalls: ok at 1,001
    for (let t = 3_500; t < 5_000; t += 10) h.at(t).send(`p0-${t}`);
    const faults: FaultRecord[] = [{ name: 'stall-leader', start: 1_000, end: 3_000, targets: ['n0'], detail: '' }];
    const [w] = unavailabilityWindows(h.ops, faults);
    expect(w).toMatchObject({ sendWindowMs: 1, recoverSendMs: 501, sendGapMaxMs: 2_500 });
    expect(checkAvailability(h.ops, faults).summary).toContain('longest send gap 2500 ms');
  });

  it('median and JSONL round trip', () => {
    expect(median([])).toBeNull();
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    const h = clean();
    expect(parseJsonl<Op>(toJsonl(h.ops))).toEqual(h.ops);
  });

  it('progress: a committed offset lower than an earlier sample fails, unless reset in between', () => {
    const h = new H();
    h.progress(3);
    h.progress(5, 'n1', 2);
    h.progress(5, 'n1', 2);
    h.progress(9, 'n1', 2, 1); // another queue
    expect(checkProgress(h.ops)).toMatchObject({ pass: true, figures: { progressSamples: 4, progressBackwards: 0 } });
    h.progress(4, 'n2', 3); // a new leader answering from a stale state
    const r = checkProgress(h.ops);
    expect(r.pass).toBe(false);
    expect(r.items).toHaveLength(1);
    expect(r.items[0]).toMatch(/^G\/T:0: 4 at \d+ ms \(n2, term 3\) after 5 at \d+ ms \(n1, term 2\)$/);
    // After an explicit reset a lower offset is allowed; the next drop below it is not.
    const k = new H();
    k.progress(10);
    k.reset();
    k.progress(2);
    expect(checkProgress(k.ops).pass).toBe(true);
    k.progress(1);
    expect(checkProgress(k.ops).pass).toBe(false);
    expect(checkAll(k.ops, [], { fifo: false }).find((c) => c.name === 'progress')?.pass).toBe(false);
  });

  it('delay: a delayed message delivered before its time fails; on time or late passes', () => {
    const h = new H();
    h.delay('p0-0', 1_000);
    h.delay('p0-1', 1_000);
    h.at(1_000).read('p0-0', 0);
    h.at(3_000).read('p0-1', 1);
    expect(checkDelay(h.ops)).toMatchObject({ pass: true, figures: { delayed: 2, deliveredEarly: 0 } });
    h.at(4_000).delay('p0-2', 6_000);
    h.at(5_000).read('p0-2', 2);
    const r = checkDelay(h.ops);
    expect(r.pass).toBe(false);
    expect(r.items[0]).toMatch(/^p0-2: delivered at 500\d ms, 99\d ms before its time 6000 ms$/);
  });

  it('transactions: a rolled-back message delivered fails; a committed one must be read (lost) unless its commit is unknown', () => {
    const h = new H();
    h.txn('p0-0', 'commit');
    h.txn('p0-1', 'rollback');
    h.txn('p0-2', 'commit', 'info'); // outcome unknown: not acknowledged
    h.read('p0-0', 0);
    expect(checkTransactions(h.ops)).toMatchObject({ pass: true, figures: { commits: 2, rollbacks: 1, committedRead: 1 } });
    expect(checkLost(h.ops)).toMatchObject({ pass: true, figures: { acked: 1 } });
    expect(checkRecovered(h.ops).figures).toMatchObject({ unknown: 1 });
    // The committed one never read: lost.
    const lost = new H();
    lost.txn('p0-0', 'commit');
    expect(checkLost(lost.ops).pass).toBe(false);
    // The rolled-back one read: a violation.
    h.read('p0-1', 1);
    const r = checkTransactions(h.ops);
    expect(r.pass).toBe(false);
    expect(r.items[0]).toMatch(/^p0-1: rolled back, yet delivered at \d+ ms$/);
    // A half delivered before its commit was invoked: a violation.
    const early = new H();
    early.ops.push({ time: 0, process: 'p0', node: 'n0', type: 'invoke', op: 'send', value: 'p0-0', kind: 'transaction', txn: 'commit' });
    early.ops.push({ time: 1, process: 'p0', node: 'n0', type: 'ok', op: 'send', value: 'p0-0', kind: 'transaction', txn: 'commit', messageId: 'ID0', queue: 0 });
    early.at(2).read('p0-0', 0, { messageId: 'ID0' });
    early.ops.push({ time: 10, process: 'p0', node: 'n0', type: 'invoke', op: 'end', value: 'p0-0', txn: 'commit' });
    early.ops.push({ time: 11, process: 'p0', node: 'n0', type: 'ok', op: 'end', value: 'p0-0', txn: 'commit' });
    expect(checkTransactions(early.ops).items[0]).toMatch(/before its commit was invoked at 10 ms/);
  });

  it('one-per-position: positions of different topics do not collide', () => {
    const h = new H();
    h.ops.push({ time: 0, process: 'c0', node: 'n0', type: 'ok', op: 'receive', value: 'a', topic: 'T1', queue: 0, offset: 0, messageId: 'A' });
    h.ops.push({ time: 1, process: 'c0', node: 'n0', type: 'ok', op: 'receive', value: 'b', topic: 'T2', queue: 0, offset: 0, messageId: 'B' });
    expect(checkOnePerPosition(h.ops).pass).toBe(true);
    h.ops.push({ time: 2, process: 'c0', node: 'n0', type: 'ok', op: 'receive', value: 'c', topic: 'T2', queue: 0, offset: 0, messageId: 'C' });
    expect(checkOnePerPosition(h.ops).items[0]).toContain('T2/0:0');
  });
});
