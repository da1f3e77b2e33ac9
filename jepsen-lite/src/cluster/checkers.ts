// The checkers: pure functions over a history (and the fault log). No I/O, no clock.
//
// A history line is one op: `send` invoke then ok | fail | info; `receive` invoke then one
// ok line per delivered message (value null = an empty receive) or fail | info; `ack` likewise.
// `fail` means "certainly did not happen"; `info` means "unknown outcome" (timeouts, ambiguous errors).

import { delayEarlyToleranceMs, reportListMax } from './constants.ts';
import type { FaultRecord, MessageKind, Op } from './history.ts';

export interface CheckResult {
  readonly name: string;
  readonly pass: boolean;
  /** one line for report.txt */
  readonly summary: string;
  /** the offending (or notable) items, at most `reportListMax` */
  readonly items: readonly string[];
  /** figures for the suite table */
  readonly figures: Readonly<Record<string, number | null>>;
}

interface SendInfo {
  readonly value: string;
  readonly process: string;
  readonly invokeTime: number;
  outcome: 'pending' | 'ok' | 'fail' | 'info';
  okTime: number | null;
  messageId: string | null;
  group: string | null;
  readonly kind: MessageKind;
  readonly deliverAt: number | null;
  readonly txn: 'commit' | 'rollback' | null;
  /** transaction: when its commit / rollback was invoked, and how that ended */
  endInvokeTime: number | null;
  endOutcome: 'none' | 'pending' | 'ok' | 'fail' | 'info';
}

interface ReadInfo {
  readonly index: number;
  readonly time: number;
  readonly process: string;
  readonly value: string;
  readonly messageId: string | null;
  readonly queue: number | null;
  readonly offset: number | null;
  readonly group: string | null;
  readonly topic: string | null;
}

/** The position key of a delivery: topic (when several), queue, offset. */
function positionOf(r: ReadInfo): string {
  return `${r.topic === null ? '' : `${r.topic}/`}${r.queue ?? '?'}:${r.offset ?? '?'}`;
}

/**
 * The producer was told its message is stored and visible: the send is ok and, for a
 * transaction, it was to be committed and the commit was acknowledged.
 */
export function acknowledged(s: SendInfo): boolean {
  if (s.outcome !== 'ok') return false;
  if (s.txn === null) return true;
  return s.txn === 'commit' && s.endOutcome === 'ok';
}

/** Sends by value, in invoke order, with their completion. */
export function indexSends(ops: readonly Op[]): Map<string, SendInfo> {
  const sends = new Map<string, SendInfo>();
  for (const o of ops) {
    if (o.op === 'end' && o.value !== null) {
      const s = sends.get(o.value);
      if (s === undefined) continue;
      if (o.type === 'invoke') {
        s.endInvokeTime ??= o.time;
        if (s.endOutcome === 'none') s.endOutcome = 'pending';
      } else if (s.endOutcome === 'pending') s.endOutcome = o.type;
      continue;
    }
    if (o.op !== 'send' || o.value === null) continue;
    if (o.type === 'invoke') {
      if (!sends.has(o.value)) {
        const group = o.group ?? null;
        sends.set(o.value, {
          value: o.value, process: o.process, invokeTime: o.time, outcome: 'pending', okTime: null, messageId: null, group,
          kind: o.kind ?? (group === null ? 'normal' : 'fifo'), deliverAt: o.deliverAt ?? null, txn: o.txn ?? null, endInvokeTime: null, endOutcome: 'none',
        });
      }
      continue;
    }
    const s = sends.get(o.value);
    if (s === undefined || s.outcome !== 'pending') continue;
    s.outcome = o.type;
    if (o.type === 'ok') s.okTime = o.time;
    if (o.messageId) s.messageId = o.messageId;
  }
  return sends;
}

/** Every delivered message, in history order. */
export function indexReads(ops: readonly Op[]): ReadInfo[] {
  const out: ReadInfo[] = [];
  ops.forEach((o, index) => {
    if (o.op === 'receive' && o.type === 'ok' && o.value !== null) {
      out.push({ index, time: o.time, process: o.process, value: o.value, messageId: o.messageId ?? null, queue: o.queue ?? null, offset: o.offset ?? null, group: o.group ?? null, topic: o.topic ?? null });
    }
  });
  return out;
}

function list(items: readonly string[]): string[] {
  return items.slice(0, reportListMax);
}

/** Acknowledged sends never read after the drain. Zero allowed. */
export function checkLost(ops: readonly Op[]): CheckResult {
  const sends = indexSends(ops);
  const read = new Set(indexReads(ops).map((r) => r.value));
  const acked = [...sends.values()].filter(acknowledged);
  const lost = acked.filter((s) => !read.has(s.value)).map((s) => s.value);
  return {
    name: 'lost',
    pass: lost.length === 0,
    summary: `${lost.length} of ${acked.length} acknowledged sends never read`,
    items: list(lost),
    figures: { acked: acked.length, lost: lost.length },
  };
}

/** Reads of values never sent, or whose send certainly failed. Zero allowed. */
export function checkUnexpected(ops: readonly Op[]): CheckResult {
  const sends = indexSends(ops);
  const bad: string[] = [];
  let neverSent = 0;
  let failedButRead = 0;
  const seen = new Set<string>();
  for (const r of indexReads(ops)) {
    if (seen.has(r.value)) continue;
    seen.add(r.value);
    const s = sends.get(r.value);
    if (s === undefined) {
      neverSent++;
      bad.push(`${r.value} (never sent)`);
    } else if (s.outcome === 'fail') {
      failedButRead++;
      bad.push(`${r.value} (send failed, yet read)`);
    }
  }
  return {
    name: 'unexpected',
    pass: bad.length === 0,
    summary: `${neverSent} read but never sent, ${failedButRead} read after a failed send`,
    items: list(bad),
    figures: { unexpected: bad.length },
  };
}

/**
 * Values read more than once, split into redelivery (the same stored message delivered again:
 * same message id at the same (queue, offset) — allowed, at-least-once) and duplicate storage
 * (one message id at two (queue, offset) positions, or one value under two message ids — not
 * allowed). Redeliveries after an acknowledged ack are counted separately (reported, allowed).
 */
export function checkDuplicated(ops: readonly Op[]): CheckResult {
  const byValue = new Map<string, ReadInfo[]>();
  for (const r of indexReads(ops)) {
    const l = byValue.get(r.value) ?? [];
    l.push(r);
    byValue.set(r.value, l);
  }
  const ackOkAt = new Map<string, number>(); // value -> history index of the first ok ack
  ops.forEach((o, i) => {
    if (o.op === 'ack' && o.type === 'ok' && o.value !== null && !ackOkAt.has(o.value)) ackOkAt.set(o.value, i);
  });
  let duplicated = 0;
  let redelivered = 0;
  let redeliveredAfterAck = 0;
  const storage: string[] = [];
  for (const [value, reads] of byValue) {
    if (reads.length < 2) continue;
    duplicated++;
    const ids = new Set(reads.map((r) => r.messageId ?? '?'));
    const positionsById = new Map<string, Set<string>>();
    for (const r of reads) {
      const id = r.messageId ?? '?';
      const set = positionsById.get(id) ?? new Set<string>();
      set.add(positionOf(r));
      positionsById.set(id, set);
    }
    const multiPos = [...positionsById].filter(([, p]) => p.size > 1);
    if (ids.size > 1 || multiPos.length > 0) {
      const where = [...positionsById].map(([id, p]) => `${id}@[${[...p].join(',')}]`).join(' ');
      storage.push(`${value}: ${where}`);
    } else {
      redelivered++;
      const acked = ackOkAt.get(value);
      if (acked !== undefined && reads.some((r) => r.index > acked)) redeliveredAfterAck++;
    }
  }
  return {
    name: 'duplicated',
    pass: storage.length === 0,
    summary: `${duplicated} values read more than once: ${redelivered} redelivered (allowed; ${redeliveredAfterAck} after an acknowledged ack), ${storage.length} stored twice`,
    items: list(storage),
    figures: { duplicated, redelivered, redeliveredAfterAck, duplicateStorage: storage.length },
  };
}

/** Sends of unknown outcome that were read later (informational: always passes). */
export function checkRecovered(ops: readonly Op[]): CheckResult {
  const sends = indexSends(ops);
  const read = new Set(indexReads(ops).map((r) => r.value));
  // Unknown: the send's outcome, or a commit's (the broker's transaction check then decides).
  const unknown = [...sends.values()].filter((s) => s.outcome === 'info' || s.outcome === 'pending' || (s.outcome === 'ok' && s.txn === 'commit' && s.endOutcome !== 'ok'));
  const recovered = unknown.filter((s) => read.has(s.value));
  return {
    name: 'recovered',
    pass: true,
    summary: `${recovered.length} of ${unknown.length} sends of unknown outcome were read (the rest never were: allowed)`,
    items: list(recovered.map((s) => s.value)),
    figures: { unknown: unknown.length, recovered: recovered.length },
  };
}

/**
 * FIFO per message group: once a send of group g was acknowledged, no later-invoked send of g
 * may be first read before it is first read.
 */
export function checkFifo(ops: readonly Op[]): CheckResult {
  const sends = [...indexSends(ops).values()].filter((s) => s.group !== null).sort((a, b) => a.invokeTime - b.invokeTime);
  const firstRead = new Map<string, number>();
  for (const r of indexReads(ops)) if (!firstRead.has(r.value)) firstRead.set(r.value, r.index);
  const byGroup = new Map<string, SendInfo[]>();
  for (const s of sends) {
    const l = byGroup.get(s.group!) ?? [];
    l.push(s);
    byGroup.set(s.group!, l);
  }
  const bad: string[] = [];
  for (const [group, list_] of byGroup) {
    // The acknowledged predecessors of each send: acked before it was invoked.
    const ackedSoFar: SendInfo[] = [];
    for (const s of list_) {
      const mine = firstRead.get(s.value);
      if (mine !== undefined) {
        for (const a of ackedSoFar) {
          if (a.okTime! > s.invokeTime) continue;
          const theirs = firstRead.get(a.value);
          if (theirs !== undefined && theirs > mine) {
            bad.push(`${group}: ${s.value} read before ${a.value}, acknowledged before ${s.value} was sent`);
            break;
          }
        }
      }
      if (s.outcome === 'ok') ackedSoFar.push(s);
    }
  }
  return {
    name: 'fifo',
    pass: bad.length === 0,
    summary: `${bad.length} reads out of order in ${byGroup.size} message groups`,
    items: list(bad),
    figures: { orderViolations: bad.length },
  };
}

/** One message per (queue, offset): two message ids at one position is a violation. */
export function checkOnePerPosition(ops: readonly Op[]): CheckResult {
  const at = new Map<string, Set<string>>();
  for (const r of indexReads(ops)) {
    if (r.offset === null) continue;
    const key = positionOf(r);
    const set = at.get(key) ?? new Set<string>();
    set.add(r.messageId ?? r.value);
    at.set(key, set);
  }
  const bad = [...at].filter(([, s]) => s.size > 1).map(([k, s]) => `(queue:offset ${k}) holds ${[...s].join(', ')}`);
  return {
    name: 'one-per-position',
    pass: bad.length === 0,
    summary: `${bad.length} (queue, offset) positions hold more than one message (of ${at.size})`,
    items: list(bad),
    figures: { positionConflicts: bad.length },
  };
}

export interface FaultWindow {
  readonly fault: string;
  readonly start: number;
  readonly end: number | null;
  /** fault start → first ok send invoked at or after it (ms); null = none */
  readonly sendWindowMs: number | null;
  /** fault start → first delivered message of a receive invoked at or after it (ms) */
  readonly receiveWindowMs: number | null;
  /**
   * Longest stretch with no ok send, from fault start to the first ok send invoked after the heal
   * (ms). Unlike sendWindowMs, a send already on its way when the fault began (or a node that
   * takes a moment to feel it, as a stalled loop does) cannot hide the outage that follows.
   */
  readonly sendGapMaxMs: number | null;
  readonly receiveGapMaxMs: number | null;
  /** heal → first ok send invoked at or after it (ms) */
  readonly recoverSendMs: number | null;
  readonly recoverReceiveMs: number | null;
}

function firstOkAfter(ops: readonly Op[], op: 'send' | 'receive', from: number): number | null {
  // receive: the invoke precedes its ok lines; remember invokes per process.
  const invokedAt = new Map<string, number>();
  for (const o of ops) {
    if (o.op !== op) continue;
    if (o.type === 'invoke') {
      invokedAt.set(o.process, o.time);
      continue;
    }
    if (o.type !== 'ok' || o.value === null) continue;
    const inv = invokedAt.get(o.process);
    if (inv !== undefined && inv >= from) return o.time;
  }
  return null;
}

/** Longest stretch in [from, until] without an ok `op` completing (a receive counts when it delivered). */
function longestGapMs(ops: readonly Op[], op: 'send' | 'receive', from: number, until: number | null): number | null {
  if (until === null) return null;
  const done = ops.filter((o) => o.op === op && o.type === 'ok' && o.value !== null && o.time > from && o.time < until).map((o) => o.time);
  done.sort((a, b) => a - b);
  let last = from;
  let max = 0;
  for (const t of [...done, until]) {
    max = Math.max(max, t - last);
    last = t;
  }
  return max;
}

/** Unavailability per fault: fault start → next successful send / receive, longest gaps, and recovery after heal. */
export function unavailabilityWindows(ops: readonly Op[], faults: readonly FaultRecord[]): FaultWindow[] {
  return faults.map((f) => {
    const s = firstOkAfter(ops, 'send', f.start);
    const r = firstOkAfter(ops, 'receive', f.start);
    const hs = f.end === null ? null : firstOkAfter(ops, 'send', f.end);
    const hr = f.end === null ? null : firstOkAfter(ops, 'receive', f.end);
    return {
      fault: f.name,
      start: f.start,
      end: f.end,
      sendWindowMs: s === null ? null : s - f.start,
      receiveWindowMs: r === null ? null : r - f.start,
      sendGapMaxMs: longestGapMs(ops, 'send', f.start, hs),
      receiveGapMaxMs: longestGapMs(ops, 'receive', f.start, hr),
      recoverSendMs: hs === null || f.end === null ? null : hs - f.end,
      recoverReceiveMs: hr === null || f.end === null ? null : hr - f.end,
    };
  });
}

export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Fails when a fault was never healed or no send succeeded after its heal (the group never came back). */
export function checkAvailability(ops: readonly Op[], faults: readonly FaultRecord[]): CheckResult {
  const w = unavailabilityWindows(ops, faults);
  const bad = w.filter((x) => x.end === null || x.recoverSendMs === null).map((x) => `${x.fault}@${x.start}ms: ${x.end === null ? 'never healed' : 'no successful send after the heal'}`);
  const sendWs = w.map((x) => x.sendWindowMs).filter((x): x is number => x !== null);
  const med = median(sendWs);
  const max = sendWs.length === 0 ? null : Math.max(...sendWs);
  return {
    name: 'availability',
    pass: bad.length === 0,
    summary: `${w.length} faults; send unavailability median ${fmtMs(med)}, max ${fmtMs(max)}; longest send gap ${fmtMs(maxOf(w.map((x) => x.sendGapMaxMs)))}; recovery after heal max ${fmtMs(maxOf(w.map((x) => x.recoverSendMs)))}`,
    items: list([...bad, ...w.map((x) => `${x.fault}@${x.start}ms..${x.end ?? '?'}ms: send ${fmtMs(x.sendWindowMs)}, receive ${fmtMs(x.receiveWindowMs)}, longest gap send ${fmtMs(x.sendGapMaxMs)} / receive ${fmtMs(x.receiveGapMaxMs)}, recover send ${fmtMs(x.recoverSendMs)} / receive ${fmtMs(x.recoverReceiveMs)}`)]),
    figures: { faults: w.length, windowMedianMs: med, windowMaxMs: max, gapMaxMs: maxOf(w.map((x) => x.sendGapMaxMs)), recoverMaxMs: maxOf(w.map((x) => x.recoverSendMs)) },
  };
}

function maxOf(xs: ReadonlyArray<number | null>): number | null {
  const v = xs.filter((x): x is number => x !== null);
  return v.length === 0 ? null : Math.max(...v);
}

export function fmtMs(ms: number | null): string {
  return ms === null ? 'n/a' : `${Math.round(ms)} ms`;
}

/**
 * Consumer progress never moves backwards: per (group, topic, queue), a committed-offset sample
 * lower than an earlier one fails, unless an explicit `reset` of that queue came in between.
 * Samples come from one sequential sampler, so history order is real-time order.
 */
export function checkProgress(ops: readonly Op[]): CheckResult {
  const best = new Map<string, Op>();
  const bad: string[] = [];
  let samples = 0;
  let resets = 0;
  for (const o of ops) {
    if (o.type !== 'ok' || (o.op !== 'progress' && o.op !== 'reset')) continue;
    const key = `${o.group ?? '?'}/${o.topic ?? '?'}:${o.queue ?? 0}`;
    if (o.op === 'reset') {
      resets++;
      best.delete(key); // anything may follow an explicit reset
      continue;
    }
    if (o.offset === null || o.offset === undefined) continue;
    samples++;
    const prev = best.get(key);
    if (prev !== undefined && o.offset < prev.offset!) {
      bad.push(`${key}: ${o.offset} at ${o.time} ms (${o.node}, term ${o.term ?? '?'}) after ${prev.offset} at ${prev.time} ms (${prev.node}, term ${prev.term ?? '?'})`);
    }
    if (prev === undefined || o.offset >= prev.offset!) best.set(key, o);
  }
  return {
    name: 'progress',
    pass: bad.length === 0,
    summary: `${bad.length} committed consumer offsets lower than an earlier sample (${samples} samples of ${best.size} queues, ${resets} explicit resets)`,
    items: list(bad),
    figures: { progressSamples: samples, progressBackwards: bad.length },
  };
}

/** The first delivery of each value. */
function firstReads(ops: readonly Op[]): Map<string, ReadInfo> {
  const out = new Map<string, ReadInfo>();
  for (const r of indexReads(ops)) if (!out.has(r.value)) out.set(r.value, r);
  return out;
}

/** A delayed message is never delivered before its delivery time (less `delayEarlyToleranceMs`). */
export function checkDelay(ops: readonly Op[]): CheckResult {
  const sends = indexSends(ops);
  const firstRead = firstReads(ops);
  const bad: string[] = [];
  let delayed = 0;
  let lateMaxMs: number | null = null;
  for (const s of sends.values()) {
    if (s.kind !== 'delay' || s.deliverAt === null) continue;
    delayed++;
    const r = firstRead.get(s.value);
    if (r === undefined) continue;
    const earlyMs = s.deliverAt - r.time;
    if (earlyMs > delayEarlyToleranceMs) bad.push(`${s.value}: delivered at ${r.time} ms, ${earlyMs} ms before its time ${s.deliverAt} ms`);
    else lateMaxMs = Math.max(lateMaxMs ?? 0, r.time - s.deliverAt);
  }
  return {
    name: 'delay',
    pass: bad.length === 0,
    summary: `${bad.length} of ${delayed} delayed messages delivered early (tolerance ${delayEarlyToleranceMs} ms); latest delivery ${fmtMs(lateMaxMs)} after its time`,
    items: list(bad),
    figures: { delayed, deliveredEarly: bad.length, delayLateMaxMs: lateMaxMs },
  };
}

/**
 * Transactions: a rolled-back message is never delivered; a committed one is never delivered
 * before its commit was invoked (halves are invisible). Committed and acknowledged ones must be
 * delivered: that is `lost`'s job (it counts them as acknowledged).
 */
export function checkTransactions(ops: readonly Op[]): CheckResult {
  const sends = indexSends(ops);
  const firstRead = firstReads(ops);
  const bad: string[] = [];
  let commits = 0;
  let rollbacks = 0;
  let committedRead = 0;
  for (const s of sends.values()) {
    if (s.txn === null) continue;
    const r = firstRead.get(s.value);
    if (s.txn === 'rollback') {
      rollbacks++;
      if (r !== undefined) bad.push(`${s.value}: rolled back, yet delivered at ${r.time} ms`);
      continue;
    }
    commits++;
    if (r === undefined) continue;
    committedRead++;
    // Before the commit was invoked only a transaction check could have committed it, and the check comes after the commit is due.
    if (s.endInvokeTime !== null && r.time < s.endInvokeTime) bad.push(`${s.value}: delivered at ${r.time} ms, before its commit was invoked at ${s.endInvokeTime} ms`);
  }
  return {
    name: 'transactions',
    pass: bad.length === 0,
    summary: `${bad.length} violations; ${committedRead} of ${commits} to-be-committed delivered, ${rollbacks} rolled back`,
    items: list(bad),
    figures: { commits, rollbacks, committedRead, transactionViolations: bad.length },
  };
}

export interface CheckOptions {
  readonly fifo: boolean;
  /** the mixed workload: delay and transaction checkers too */
  readonly mixed?: boolean;
}

/** Every checker over one history. */
export function checkAll(ops: readonly Op[], faults: readonly FaultRecord[], opts: CheckOptions): CheckResult[] {
  const out = [checkLost(ops), checkUnexpected(ops), checkDuplicated(ops), checkRecovered(ops)];
  if (opts.fifo || opts.mixed === true) out.push(checkFifo(ops));
  if (opts.mixed === true) out.push(checkDelay(ops), checkTransactions(ops));
  out.push(checkOnePerPosition(ops), checkProgress(ops), checkAvailability(ops, faults));
  return out;
}
