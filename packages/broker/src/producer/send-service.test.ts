import { describe, expect, it } from 'vitest';
import { decodeMessageBatch, emptyProperties, MessageType, topicConfig, type ApplyResult, type MessageInput } from '@ledgermq/store';
import { Code } from '@ledgermq/protocol';
import { BusyError, TopicNotFoundError } from '../errors.ts';
import { sendCommitWaitMsMax, SendService, type MessageToSend, type SendDeps, type SendOutcome } from './send-service.ts';

function incoming(id: string) {
  const input = { flag: 0, body: Buffer.from(id), properties: { ...emptyProperties(), uniqKey: id }, bornHost: 'test', bornTimestampMs: 1, reconsumeTimes: 0, sysFlag: 0 } as unknown as MessageInput;
  return { topic: 'T', type: MessageType.Normal, input };
}

/** A SendService whose proposals commit only when the test says so, on a clock the test moves. */
function harness(overrides: Partial<SendDeps> = {}) {
  let now = 0;
  let index = 0;
  let nextOffset = 0;
  const results = new Map<number, ApplyResult>();
  const commits: (() => void)[] = [];
  /** The message ids of each proposed entry, in order. */
  const entries: string[][] = [];
  const service = new SendService({
    propose: (body) => {
      const i = ++index;
      const decoded = decodeMessageBatch(body);
      entries.push(decoded.map((m) => m.properties.uniqKey!));
      const messages = decoded.map(() => ({ queueOffset: nextOffset, physicalOffset: 100 * nextOffset++ }));
      results.set(i, { type: 'messages', index: i, topic: 'T', queueId: 0, messages } as unknown as ApplyResult);
      return new Promise((resolve) => commits.push(() => resolve({ index: i, term: 1 })));
    },
    takeResult: (i) => results.get(i),
    lookupUniqKey: async () => [],
    mightBeStored: () => false,
    topic: () => topicConfig('T'),
    topicForWrite: async () => topicConfig('T'),
    storeHost: '127.0.0.1:10911',
    nowMs: () => 0,
    monotonicMs: () => now,
    ...overrides,
  });
  const turn = () => new Promise((r) => setImmediate(r));
  /** Commits whatever is proposed, turn by turn, until `p` settles (bounded: fails, never hangs). */
  const settle = async <T>(p: Promise<T>): Promise<T> => {
    let done = false;
    p.then(() => (done = true), () => (done = true));
    for (let i = 0; i < 100 && !done; i++) {
      await turn();
      for (const commit of commits.splice(0)) commit();
    }
    if (!done) throw new Error('the sends did not settle within 100 turns');
    return p;
  };
  return { service, entries, advance: (ms: number) => (now += ms), turn, settle };
}

describe('SendService fast failure', () => {
  it('refuses a client send with 42900 while the oldest send has waited past the limit, and takes sends again once it commits', async () => {
    const h = harness();
    const first = h.service.sendFromClient(incoming('a'));
    await h.turn();
    h.advance(sendCommitWaitMsMax);
    const second = h.service.sendFromClient(incoming('b')); // at the limit: still taken
    await h.turn();
    h.advance(1);
    const refused = await h.service.sendFromClient(incoming('c')).then(() => null, (e: unknown) => e);
    expect(refused).toBeInstanceOf(BusyError);
    expect((refused as BusyError).v2Code).toBe(Code.TOO_MANY_REQUESTS);
    expect((refused as BusyError).retriable).toBe(true);
    // A retry of a send in flight joins it rather than being refused; the broker's own sends are never shed.
    const retry = h.service.sendFromClient(incoming('a'));
    const internal = h.service.send(incoming('d'));
    const [ra, rb, rretry, rd] = await h.settle(Promise.all([first, second, retry, internal]));
    expect(rretry).toEqual(ra);
    expect([ra.queueOffset, rb.queueOffset, rd.queueOffset]).toEqual([0, 1, 2]);
    expect(h.service.oldestWaitMs()).toBe(0);
    expect((await h.settle(h.service.sendFromClient(incoming('c')))).queueOffset).toBe(3);
  });
});

const toSend = (id: string, topic = 'T'): MessageToSend => ({ m: incoming(id), topic, id });
const offsets = (outcomes: SendOutcome[]) => outcomes.map((o) => (o instanceof Error ? o.name : o.queueOffset));

describe('SendService requests of many messages', () => {
  it('stores a request in its order in one entry, even when one id needs an index look-up first', async () => {
    let lookups = 0;
    const h = harness({
      mightBeStored: (id) => id === 'b',
      lookupUniqKey: async () => {
        lookups += 1;
        await new Promise((r) => setImmediate(r)); // answers a turn later than the others could go
        return [];
      },
    });
    const outcomes = await h.settle(h.service.sendAllFromClient(['a', 'b', 'c'].map((id) => toSend(id))));
    expect(lookups).toBe(1);
    expect(h.entries).toEqual([['a', 'b', 'c']]);
    expect(offsets(outcomes)).toEqual([0, 1, 2]);
  });

  it('answers an id found stored with the stored place and proposes the rest', async () => {
    const h = harness({
      mightBeStored: (id) => id === 'old',
      lookupUniqKey: async () => [{ topic: 'T', queueId: 3, queueOffset: 41, physicalOffset: 4100, size: 1, storeTimestampMs: 1 }],
    });
    const outcomes = await h.settle(h.service.sendAllFromClient([toSend('old'), toSend('new')]));
    expect(h.entries).toEqual([['new']]);
    expect(outcomes[0]).toEqual({ messageId: 'old', topic: 'T', queueId: 3, queueOffset: 41, physicalOffset: 4100 });
    expect(offsets(outcomes)).toEqual([41, 0]);
  });

  it('stores a message repeated in one request once, and a retry from another request joins the first attempt', async () => {
    const h = harness();
    const first = h.service.sendAllFromClient([toSend('a'), toSend('b'), toSend('a')]);
    const retry = h.service.sendAllFromClient([toSend('b'), toSend('c')]);
    const [o1, o2] = await h.settle(Promise.all([first, retry]));
    expect(h.entries.flat()).toEqual(['a', 'b', 'c']);
    expect(offsets(o1)).toEqual([0, 1, 0]);
    expect(offsets(o2)).toEqual([1, 2]);
    expect(h.service.oldestWaitMs()).toBe(0);
  });

  it('creates a missing topic before storing, and fails only the messages of a topic that cannot be had', async () => {
    const created: string[] = [];
    const h = harness({
      topic: (t) => (t === 'T' ? topicConfig('T') : undefined),
      topicForWrite: async (t) => {
        created.push(t);
        return t === 'New' ? topicConfig('New') : undefined;
      },
    });
    const outcomes = await h.settle(h.service.sendAllFromClient([toSend('a'), toSend('b', 'New'), toSend('c', 'Gone')]));
    expect(created.sort()).toEqual(['Gone', 'New']);
    expect(outcomes[2]).toBeInstanceOf(TopicNotFoundError);
    expect(h.entries).toEqual([['a'], ['b']]);
  });

  it('a failed proposal fails every message of its entry, and the request still settles', async () => {
    const h = harness({ propose: async () => Promise.reject(Object.assign(new Error('lost leadership'), { name: 'NotLeaderError' })) });
    const outcomes = await h.settle(h.service.sendAllFromClient([toSend('a'), toSend('b')]));
    expect(offsets(outcomes)).toEqual(['NoLeaderError', 'NoLeaderError']);
    expect(h.service.oldestWaitMs()).toBe(0);
  });
});
