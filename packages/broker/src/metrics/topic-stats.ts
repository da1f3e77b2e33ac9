// statsAll's figures on this node: per topic, messages stored (InTPS over the last minute,
// InMsg24Hour); per topic and consumer group, messages delivered (OutTPS, OutMsg24Hour). Counted
// where the work happens (the leader), so a group's figures are the sum over its nodes. Bounded:
// at most statsSeriesMax series; later ones are not counted (and `dropped` says how many calls).

import { assert } from '../assert.ts';
import { statsSeriesMax } from '../constants.ts';
import { SlidingCounter } from './sliding-counter.ts';

/** InTPS / OutTPS: average over this many complete seconds. */
export const statsTpsWindowSeconds = 60;
const tenMinutesMs = 600_000;
/** 24 h of ten-minute slots (the current, partial one included). */
const daySlots = (24 * 3600_000) / tenMinutesMs;

class Series {
  readonly seconds = new SlidingCounter(1000, statsTpsWindowSeconds + 1);
  readonly day = new SlidingCounter(tenMinutesMs, daySlots + 1);

  add(n: number, nowMs: number): void {
    this.seconds.add(n, nowMs);
    this.day.add(n, nowMs);
  }

  tps(nowMs: number): number {
    return this.seconds.sumComplete(statsTpsWindowSeconds, nowMs) / statsTpsWindowSeconds;
  }

  last24h(nowMs: number): number {
    return this.day.sumRecent(daySlots, nowMs);
  }
}

export interface TopicInStats {
  readonly topic: string;
  readonly inTps: number;
  readonly inMsg24Hour: number;
}

export interface GroupOutStats {
  readonly topic: string;
  readonly group: string;
  readonly outTps: number;
  readonly outMsg24Hour: number;
}

export class TopicStats {
  private readonly puts = new Map<string, Series>();
  /** Keyed by topic NUL group. */
  private readonly gets = new Map<string, Series>();
  dropped = 0;

  constructor(private readonly nowMs: () => number = Date.now, private readonly seriesMax = statsSeriesMax) {
    assert(seriesMax > 0, 'stats series bound > 0');
  }

  put(topic: string, messages: number): void {
    this.series(this.puts, topic)?.add(messages, this.nowMs());
  }

  get(topic: string, group: string, messages: number): void {
    this.series(this.gets, `${topic}\u0000${group}`)?.add(messages, this.nowMs());
  }

  snapshot(): { topics: TopicInStats[]; groups: GroupOutStats[] } {
    const now = this.nowMs();
    const topics = [...this.puts].map(([topic, s]) => ({ topic, inTps: s.tps(now), inMsg24Hour: s.last24h(now) }));
    const groups = [...this.gets].map(([key, s]) => {
      const [topic, group] = key.split('\u0000') as [string, string];
      return { topic, group, outTps: s.tps(now), outMsg24Hour: s.last24h(now) };
    });
    return { topics, groups };
  }

  private series(map: Map<string, Series>, key: string): Series | undefined {
    let s = map.get(key);
    if (s === undefined) {
      if (this.puts.size + this.gets.size >= this.seriesMax) {
        this.dropped += 1;
        return undefined;
      }
      s = new Series();
      map.set(key, s);
    }
    return s;
  }
}
