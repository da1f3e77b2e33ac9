import { describe, expect, it } from 'vitest';
import { emptyProperties, topicConfig, type StoredMessage } from '@ledgermq/store';
import type { QueueMessage, StorePort } from '../store-port.ts';
import { Arrivals } from './arrivals.ts';
import { ReceiveService, type ReceiveRequest } from './receive-service.ts';
import { parseTagFilter } from './tag-filter.ts';

/** One topic with one queue, held as a list the test appends to. */
function harness() {
  const queue: QueueMessage[] = [];
  const store = {
    topic: (name: string) => (name === 'T' ? topicConfig('T', { readQueueNums: 1, writeQueueNums: 1 }) : undefined),
    bounds: () => ({ min: 0, max: queue.length }),
    read: (_t: string, _q: number, from: number, countMax: number) => queue.slice(from, from + countMax),
    committedOffset: () => undefined,
  } as unknown as StorePort;
  const arrivals = new Arrivals();
  const service = new ReceiveService({ store, arrivals, nowMs: () => 1_000, term: () => 1, toDeadLetter: async () => {} });
  const store1 = (body: string) => {
    const message = { properties: emptyProperties(), body: Buffer.from(body) } as unknown as StoredMessage;
    queue.push({ queueOffset: queue.length, physicalOffset: 0, message });
    arrivals.notify('T');
  };
  const request: ReceiveRequest = { group: 'G', topic: 'T', filter: parseTagFilter(1, '*'), batchSize: 8, invisibleMs: 30_000, longPollMs: 60_000, fifo: false, maxAttempts: 16, cancelled: new Promise(() => {}) };
  /** Whether `p` has settled once the turns in flight have run (the receive loop needs no timer to answer). */
  const settledNow = async (p: Promise<unknown>) => {
    let settled = false;
    void p.then(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    return settled;
  };
  return { service, store1, request, settledNow };
}

describe('ReceiveService long polling', () => {
  it('a waiting receive answers as soon as a message arrives for its topic', async () => {
    const h = harness();
    const p = h.service.receive(h.request);
    expect(await h.settledNow(p)).toBe(false);
    h.store1('m0');
    expect(await h.settledNow(p)).toBe(true);
    expect((await p).map((r) => r.message.queueOffset)).toEqual([0]);
  });

  it('a leadership change ends the waiting receives at once, empty, and later ones are served again', async () => {
    const h = harness();
    const waiting = [h.service.receive(h.request), h.service.receive(h.request)];
    expect(await h.settledNow(Promise.all(waiting))).toBe(false);
    h.service.reset();
    expect(await h.settledNow(Promise.all(waiting))).toBe(true);
    expect(await Promise.all(waiting)).toEqual([[], []]);
    // A message stored after the change is not handed out by the polls of the old leadership.
    h.store1('m0');
    expect((await h.service.receive(h.request)).map((r) => r.message.queueOffset)).toEqual([0]);
  });
});
