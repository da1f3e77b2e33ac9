// Message rates for the broker runtime table (RocketMQ's putTps / getTransferredTps over 10 s,
// 60 s and 600 s) and the since-boot totals with their midnight snapshots
// (msgPutTotalTodayNow / TodayMorning / YesterdayMorning). Counting is two array increments;
// rates are computed when asked.

import { SlidingCounter } from './sliding-counter.ts';

/** Longest rate window, in seconds (RocketMQ's third TPS figure). */
export const rateWindowSecondsMax = 600;
export const rateWindowsSeconds = [10, 60, 600] as const;

/** Per-second counts over the longest window (plus the second being counted). */
class PerSecond extends SlidingCounter {
  constructor() {
    super(1000, rateWindowSecondsMax + 1);
  }

  /** Per-second average over the last `windowSeconds` complete seconds. */
  rate(windowSeconds: number, nowMs: number): number {
    return this.sumComplete(windowSeconds, nowMs) / windowSeconds;
  }
}

export interface TotalsSnapshot {
  readonly put: number;
  readonly get: number;
}

export class TrafficMeter {
  private readonly put = new PerSecond();
  private readonly get = new PerSecond();
  private day: string;
  private todayMorning: TotalsSnapshot = { put: 0, get: 0 };
  private yesterdayMorning: TotalsSnapshot = { put: 0, get: 0 };

  constructor(private readonly nowMs: () => number = Date.now) {
    this.day = localDay(this.nowMs());
  }

  /** Bytes of the messages stored since boot (putMessageSizeTotal). */
  putBytesTotal = 0;

  /** Messages stored (counted on the leader when applied) and their stored size, bytes. */
  addPut(messages: number, bytes = 0): void {
    const now = this.nowMs();
    this.rollDay(now);
    this.put.add(messages, now);
    this.putBytesTotal += bytes;
  }

  /** Messages handed to consumers. */
  addGet(messages: number): void {
    const now = this.nowMs();
    this.rollDay(now);
    this.get.add(messages, now);
  }

  /** "r10 r60 r600", RocketMQ's format for putTps / getTransferredTps. */
  tps(kind: 'put' | 'get'): string {
    const now = this.nowMs();
    const m = kind === 'put' ? this.put : this.get;
    return rateWindowsSeconds.map((w) => m.rate(w, now).toFixed(2)).join(' ');
  }

  /** Per-second average over the last `windowSeconds` (<= 600). */
  rate(kind: 'put' | 'get', windowSeconds: number): number {
    return (kind === 'put' ? this.put : this.get).rate(Math.min(windowSeconds, rateWindowSecondsMax), this.nowMs());
  }

  totals(): { now: TotalsSnapshot; todayMorning: TotalsSnapshot; yesterdayMorning: TotalsSnapshot } {
    this.rollDay(this.nowMs());
    return { now: { put: this.put.total, get: this.get.total }, todayMorning: this.todayMorning, yesterdayMorning: this.yesterdayMorning };
  }

  private rollDay(nowMs: number): void {
    const d = localDay(nowMs);
    if (d === this.day) return;
    this.day = d;
    this.yesterdayMorning = this.todayMorning;
    this.todayMorning = { put: this.put.total, get: this.get.total };
  }
}

function localDay(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}
