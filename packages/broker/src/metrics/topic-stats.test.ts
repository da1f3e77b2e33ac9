// statsAll's per-topic counters and the sliding windows under them.

import { describe, expect, it } from 'vitest';
import { SlidingCounter } from './sliding-counter.ts';
import { TopicStats } from './topic-stats.ts';

describe('SlidingCounter', () => {
  it('sums complete or recent slots and never counts a slot from an earlier lap', () => {
    const c = new SlidingCounter(1000, 5);
    c.add(2, 0);
    c.add(3, 1_500);
    expect(c.sumComplete(2, 2_000)).toBe(5);
    expect(c.sumRecent(1, 1_999)).toBe(3);
    expect(c.sumComplete(1, 1_999)).toBe(2);
    c.add(7, 5_000); // the slot of t=0, one lap later
    expect(c.sumRecent(5, 5_000)).toBe(10);
    expect(c.sumRecent(5, 9_000)).toBe(7);
    expect(c.total).toBe(12);
  });
});

describe('TopicStats', () => {
  it('counts stored and delivered messages per topic and group: 24 h totals and a one-minute rate', () => {
    let now = 10 * 3600_000;
    const s = new TopicStats(() => now);
    s.put('T', 60);
    s.get('T', 'g', 30);
    s.get('T', 'h', 6);
    now += 1_000;
    expect(s.snapshot()).toEqual({
      topics: [{ topic: 'T', inTps: 1, inMsg24Hour: 60 }],
      groups: [{ topic: 'T', group: 'g', outTps: 0.5, outMsg24Hour: 30 }, { topic: 'T', group: 'h', outTps: 0.1, outMsg24Hour: 6 }],
    });
    now += 23 * 3600_000;
    expect(s.snapshot().topics[0]).toEqual({ topic: 'T', inTps: 0, inMsg24Hour: 60 });
    now += 3600_000;
    expect(s.snapshot().topics[0]!.inMsg24Hour).toBe(0);
  });

  it('stops adding series at its bound and counts what it dropped', () => {
    const s = new TopicStats(() => 0, 2);
    s.put('A', 1);
    s.get('A', 'g', 1);
    s.put('B', 1);
    s.put('A', 1);
    expect(s.snapshot().topics.map((t) => [t.topic, t.inMsg24Hour])).toEqual([['A', 2]]);
    expect(s.dropped).toBe(1);
  });
});
