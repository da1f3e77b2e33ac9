import { describe, expect, it } from 'vitest';
import { emptyProperties, type MessageInput } from '@ledgermq/store';
import { entryMessageBytesMax, entryMessagesMax } from '../constants.ts';
import { EntryBatcher, type BatchTarget } from './entry-batcher.ts';

function msg(id: string): MessageInput {
  return { flag: 0, body: Buffer.from(id), properties: { ...emptyProperties(), uniqKey: id }, bornHost: 'test', bornTimestampMs: 1, reconsumeTimes: 0, sysFlag: 0 } as unknown as MessageInput;
}

function recorder() {
  const batches: { target: BatchTarget; ids: string[] }[] = [];
  const batcher = new EntryBatcher<string>(async (target, messages) => {
    const ids = messages.map((m) => m.properties.uniqKey!);
    batches.push({ target, ids });
    return ids.map((id) => `stored:${id}`);
  });
  return { batches, batcher };
}

const t = (topic: string, queueId: number | null = null): BatchTarget => ({ topic, queueId, writeQueueNums: 8 });

describe('EntryBatcher', () => {
  it('puts the sends of one turn for one topic into one entry, in arrival order, and answers each', async () => {
    const { batches, batcher } = recorder();
    const results = await Promise.all(['a', 'b', 'c'].map((id) => batcher.add(t('T'), msg(id), 1)));
    expect(results).toEqual(['stored:a', 'stored:b', 'stored:c']);
    expect(batches).toEqual([{ target: t('T'), ids: ['a', 'b', 'c'] }]);
  });

  it('keeps topics and fixed (FIFO) queues apart', async () => {
    const { batches, batcher } = recorder();
    await Promise.all([batcher.add(t('T'), msg('a'), 1), batcher.add(t('U'), msg('b'), 1), batcher.add(t('T', 3), msg('c'), 1), batcher.add(t('T', 3), msg('d'), 1)]);
    expect(batches.map((b) => [b.target.topic, b.target.queueId, b.ids])).toEqual([['T', null, ['a']], ['U', null, ['b']], ['T', 3, ['c', 'd']]]);
  });

  it('sends of a later turn go in a later entry', async () => {
    const { batches, batcher } = recorder();
    const first = batcher.add(t('T'), msg('a'), 1);
    await new Promise((r) => setImmediate(r));
    await Promise.all([first, batcher.add(t('T'), msg('b'), 1)]);
    expect(batches.map((b) => b.ids)).toEqual([['a'], ['b']]);
  });

  it('closes a batch at its message and byte limits; a message larger than the byte limit goes alone', async () => {
    const { batches, batcher } = recorder();
    const ids = Array.from({ length: entryMessagesMax + 1 }, (_, i) => `m${i}`);
    await Promise.all(ids.map((id) => batcher.add(t('T'), msg(id), 1)));
    expect(batches.map((b) => b.ids.length)).toEqual([entryMessagesMax, 1]);
    batches.length = 0;
    await Promise.all([batcher.add(t('T'), msg('small'), 10), batcher.add(t('T'), msg('big'), entryMessageBytesMax), batcher.add(t('T'), msg('next'), 10)]);
    expect(batches.map((b) => b.ids)).toEqual([['small'], ['big'], ['next']]);
  });

  it('a failed proposal fails every message of its batch', async () => {
    const batcher = new EntryBatcher<string>(async () => {
      throw new Error('no leader');
    });
    const all = await Promise.allSettled([batcher.add(t('T'), msg('a'), 1), batcher.add(t('T'), msg('b'), 1)]);
    expect(all.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});
