// The history: every operation of the workload as one JSON line, Jepsen style. Pure types and a
// bounded in-memory recorder; writing the file is the report's job.

import { historyOpsMax } from './constants.ts';

export type OpType = 'invoke' | 'ok' | 'fail' | 'info';
/**
 * send / receive / ack: the workload. end: a transaction's commit or rollback (after its half
 * was sent). progress: a sample of a consumer group's committed offset of one queue, read from
 * the leader (`offset`). reset: an explicit offset change of a group's queue (progress may go back).
 */
export type OpName = 'send' | 'receive' | 'ack' | 'end' | 'progress' | 'reset';
/** What a send sends (the mixed workload mixes them; queue and fifo send one kind). */
export type MessageKind = 'normal' | 'fifo' | 'delay' | 'transaction';

export interface Op {
  /** ms since the start of the run */
  readonly time: number;
  /** the lane (producer lane `p3`, consumer `c1`) that ran it */
  readonly process: string;
  /** the node the client talks to (`n0`) */
  readonly node: string;
  readonly type: OpType;
  readonly op: OpName;
  /** unique per producer lane: `p3-17`; null on an empty receive */
  readonly value: string | null;
  readonly queue?: number | null;
  readonly offset?: number | null;
  readonly messageId?: string | null;
  /** FIFO message group */
  readonly group?: string | null;
  readonly deliveryAttempt?: number | null;
  readonly error?: string | null;
  /** topic of a send / delivery / progress sample (absent = the run's one topic) */
  readonly topic?: string | null;
  /** send: the kind of message (absent = normal, or fifo when `group` is set) */
  readonly kind?: MessageKind | null;
  /** delay send: when it may be delivered at the earliest (ms since the start of the run) */
  readonly deliverAt?: number | null;
  /** transaction send / end: what the producer decided (and answers a transaction check with) */
  readonly txn?: 'commit' | 'rollback' | null;
  /** progress: the term of the leader that answered */
  readonly term?: number | null;
}

/** A fault window as the schedule applied it. */
export interface FaultRecord {
  readonly name: string;
  /** ms since the start of the run */
  readonly start: number;
  /** when it was healed (ms since start); null if never healed (a bug of the harness) */
  readonly end: number | null;
  /** nodes it acted on (`n0`), and what it did */
  readonly targets: readonly string[];
  readonly detail: string;
}

/** A leader seen by the harness' status polling. */
export interface LeaderMark {
  readonly time: number;
  readonly leader: string | null;
  readonly term: number;
}

export class HistoryRecorder {
  readonly ops: Op[] = [];
  private dropped = 0;
  constructor(private t0Ms: number, private readonly maxOps = historyOpsMax) {}

  /** Time 0 is now (before any op is recorded). */
  startClock(): void {
    this.t0Ms = Date.now();
  }

  now(): number {
    return Date.now() - this.t0Ms;
  }

  add(op: Omit<Op, 'time'>): Op {
    const full: Op = { time: this.now(), ...op };
    if (this.ops.length < this.maxOps) this.ops.push(full);
    else this.dropped++;
    return full;
  }

  get droppedOps(): number {
    return this.dropped;
  }
}

export function toJsonl(rows: readonly unknown[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length > 0 ? '\n' : '');
}

export function parseJsonl<T>(text: string): T[] {
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as T);
}
