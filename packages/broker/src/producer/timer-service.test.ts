import { describe, expect, it } from 'vitest';
import { emptyProperties, type StoredMessage } from '@ledgermq/store';
import type { QueueMessage, StorePort } from '../store-port.ts';
import { realTopicKey, timerTopic } from '../system-topics.ts';
import type { SendService } from './send-service.ts';
import { TimerService, timerBusyRoundMs, timerReleasesInflightMax, timerSweepMs } from './timer-service.ts';

/** The timer topic's queue as a list, a clock the test moves, and sends the test settles. */
function harness() {
  let now = 1_000_000;
  const queue: QueueMessage[] = [];
  const sends: { topic: string; settle: (ok: boolean) => void }[] = [];
  const store = {
    bounds: (topic: string) => ({ min: 0, max: topic === timerTopic ? queue.length : 0 }),
    read: (_t: string, _q: number, from: number, countMax: number) => queue.slice(from, from + countMax),
    committedOffset: () => undefined,
  } as unknown as StorePort;
  const send = {
    send: (_m: unknown, topic: string) => new Promise<void>((resolve, reject) => sends.push({ topic, settle: (ok) => (ok ? resolve() : reject(new Error('no leader'))) })),
  } as unknown as SendService;
  const warnings: string[] = [];
  const timers = new TimerService(store, send, () => now, { warn: (_o, msg) => warnings.push(msg) });
  const delay = (dueInMs: number, topic = 'Real') => {
    const message = { properties: emptyProperties({ deliveryTimestampMs: now + dueInMs, user: new Map([[realTopicKey, topic]]) }), body: Buffer.from('x') } as unknown as StoredMessage;
    queue.push({ queueOffset: queue.length, physicalOffset: 0, message });
  };
  const settled = () => new Promise((r) => setImmediate(r));
  return { timers, sends, warnings, delay, settled, advance: (ms: number) => (now += ms) };
}

describe('TimerService rounds', () => {
  it('with nothing held, asks for the next round a sweep away', () => {
    const h = harness();
    h.timers.tick();
    expect(h.timers.nextRoundInMs()).toBe(timerSweepMs);
  });

  it('asks for the next round at the earliest delivery time held, and releases exactly the due ones', () => {
    const h = harness();
    h.delay(300);
    h.delay(120);
    h.delay(5_000);
    h.timers.tick();
    expect(h.sends).toHaveLength(0);
    expect(h.timers.nextRoundInMs()).toBe(120);
    h.advance(120);
    expect(h.timers.nextRoundInMs()).toBe(0);
    h.timers.tick();
    expect(h.sends).toHaveLength(1);
    // One release in flight: the next round polls soon, since a failure brings it back.
    expect(h.timers.nextRoundInMs()).toBe(timerBusyRoundMs);
  });

  it('a failed release comes back due 100 ms later and is sent again; an acked one is not', async () => {
    const h = harness();
    h.delay(0);
    h.delay(0);
    h.timers.tick();
    expect(h.sends).toHaveLength(2);
    h.sends[0]!.settle(false);
    h.sends[1]!.settle(true);
    await h.settled();
    expect(h.warnings).toEqual(['timer release failed; retrying']);
    expect(h.timers.pending).toBe(1);
    expect(h.timers.nextRoundInMs()).toBe(100);
    h.advance(100);
    h.timers.tick();
    expect(h.sends).toHaveLength(3);
    expect(h.timers.takeDirtyOffset()).toBe(0);
  });

  it('at the cap of releases in flight, due messages wait and rounds poll', () => {
    const h = harness();
    for (let i = 0; i < timerReleasesInflightMax + 5; i++) h.delay(0);
    h.timers.tick();
    expect(h.sends).toHaveLength(timerReleasesInflightMax);
    expect(h.timers.pending).toBe(5);
    expect(h.timers.nextRoundInMs()).toBe(timerBusyRoundMs);
  });

  it('never asks for more than a sweep, however far the earliest delivery is', () => {
    const h = harness();
    h.delay(24 * 3600_000);
    h.timers.tick();
    expect(h.timers.nextRoundInMs()).toBe(timerSweepMs);
  });
});
