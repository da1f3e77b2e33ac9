import { describe, expect, it } from 'vitest';
import { decodeMessageBatch, emptyProperties, MessageType, topicConfig, type ApplyResult, type MessageInput } from '@ledgermq/store';
import { Code } from '@ledgermq/protocol';
import { BusyError } from '../errors.ts';
import { sendCommitWaitMsMax, SendService } from './send-service.ts';

function incoming(id: string) {
  const input = { flag: 0, body: Buffer.from(id), properties: { ...emptyProperties(), uniqKey: id }, bornHost: 'test', bornTimestampMs: 1, reconsumeTimes: 0, sysFlag: 0 } as unknown as MessageInput;
  return { topic: 'T', type: MessageType.Normal, input };
}

/** A SendService whose proposals commit only when the test says so, on a clock the test moves. */
function harness() {
  let now = 0;
  let index = 0;
  let nextOffset = 0;
  const results = new Map<number, ApplyResult>();
  const commits: (() => void)[] = [];
  const service = new SendService({
    propose: (body) => {
      const i = ++index;
      const messages = decodeMessageBatch(body).map(() => ({ queueOffset: nextOffset, physicalOffset: 100 * nextOffset++ }));
      results.set(i, { type: 'messages', index: i, topic: 'T', queueId: 0, messages } as unknown as ApplyResult);
      return new Promise((resolve) => commits.push(() => resolve({ index: i, term: 1 })));
    },
    takeResult: (i) => results.get(i),
    lookupUniqKey: async () => [],
    mightBeStored: () => false,
    topicForWrite: async () => topicConfig('T'),
    storeHost: '127.0.0.1:10911',
    nowMs: () => 0,
    monotonicMs: () => now,
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
  return { service, advance: (ms: number) => (now += ms), turn, settle };
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
