import { describe, expect, it } from 'vitest';
import { Metadata } from './metadata.ts';
import { groupConfig, topicConfig } from './metadata-types.ts';

describe('Metadata', () => {
  it('reads its own writes at once; a flush folds them into the durable part', () => {
    const m = new Metadata();
    m.putTopic(topicConfig('T'));
    m.putGroup(groupConfig('G'));
    m.setConsumerOffset('G', 'T', 3, 17);
    m.putKv('txn/1', Buffer.from('x'));
    expect(m.topic('T')?.writeQueueNums).toBe(8);
    expect(m.group('G')?.retryMaxTimes).toBe(16);
    expect(m.consumerOffsets('G')).toEqual([{ topic: 'T', queueId: 3, offset: 17 }]);
    expect(m.durableEncodedEntries()).toEqual([]);
    const layer = m.beginFlush();
    expect(layer.changes.size).toBe(4);
    m.deleteTopic('T'); // applied while the flush runs
    expect(m.topic('T')).toBeUndefined();
    m.endFlush();
    expect(m.durableEncodedEntries().map(([k]) => k)).toEqual(['group/G', 'kv/txn/1', 'offset/G\u0000T\u00003', 'topic/T']);
    expect(m.topics()).toEqual([]);
    m.beginFlush();
    m.endFlush();
    expect(m.durableEncodedEntries().map(([k]) => k)).toEqual(['group/G', 'kv/txn/1', 'offset/G\u0000T\u00003']);
  });

  it('replaceAll hides everything older until its flush makes it durable', () => {
    const m = new Metadata();
    m.putTopic(topicConfig('Old'));
    m.beginFlush();
    m.endFlush();
    const other = new Metadata();
    other.putGroup(groupConfig('New', { fifo: true }));
    m.replaceAll(other.encodedEntries());
    expect(m.topic('Old')).toBeUndefined();
    expect(m.group('New')?.fifo).toBe(true);
    // The durable part (what a snapshot is cut from) is still the old one.
    expect(m.durableEncodedEntries().map(([k]) => k)).toEqual(['topic/Old']);
    const layer = m.beginFlush();
    expect(layer.replacesAll).toBe(true);
    m.endFlush();
    expect(m.durableEncodedEntries().map(([k]) => k)).toEqual(['group/New']);
  });
});
