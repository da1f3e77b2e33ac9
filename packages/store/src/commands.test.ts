import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CommandKind } from './command-kind.ts';
import { TransactionResolution, type StateCommand, decodeCommand, encodeCommand } from './commands.ts';
import { InvalidArgumentError, MalformedError } from './errors.ts';
import { MessageType, groupConfig, topicConfig } from './metadata-types.ts';

const samples: StateCommand[] = [
  { kind: CommandKind.TopicCreate, topic: topicConfig('T1', { readQueueNums: 4, writeQueueNums: 2, messageType: MessageType.Fifo }) },
  { kind: CommandKind.TopicUpdate, topic: topicConfig('T1', { perm: 4 }) },
  { kind: CommandKind.TopicDelete, topic: 'T1' },
  { kind: CommandKind.GroupCreate, group: groupConfig('G1', { fifo: true }) },
  { kind: CommandKind.GroupUpdate, group: groupConfig('G1', { retryMaxTimes: 3, consumeEnable: false }) },
  { kind: CommandKind.GroupDelete, group: 'G1' },
  { kind: CommandKind.OffsetCommit, group: 'G1', topic: 'T1', queueId: 7, offset: 2 ** 40 },
  { kind: CommandKind.TransactionEnd, transactionId: 'tx-1', topic: 'T1', halfPhysicalOffset: 123, resolution: TransactionResolution.Rollback, value: Buffer.from('v') },
  { kind: CommandKind.TimerRelease, timerKey: 'timer-9', dueTimestampMs: 1_700_000_000_000, physicalOffset: 77, value: Buffer.alloc(0) },
];

describe('state commands', () => {
  it('round-trip every kind', () => {
    for (const c of samples) {
      const body = encodeCommand(c);
      expect(body[0]).toBe(c.kind);
      expect(decodeCommand(body)).toEqual(c);
    }
  });

  it('round-trip arbitrary offset commits (property)', () => {
    const name = fc.stringMatching(/^[A-Za-z0-9%_|-]{1,40}$/);
    fc.assert(fc.property(name, name, fc.integer({ min: 0, max: 1023 }), fc.maxSafeNat(), (group, topic, queueId, offset) => {
      const c: StateCommand = { kind: CommandKind.OffsetCommit, group, topic, queueId, offset };
      expect(decodeCommand(encodeCommand(c))).toEqual(c);
    }));
  });

  it('reject truncated, extended or unknown bodies with a MalformedError (property)', () => {
    fc.assert(fc.property(fc.constantFrom(...samples), fc.nat(), (c, at) => {
      const body = Buffer.from(encodeCommand(c));
      expect(() => decodeCommand(body.subarray(0, at % body.length))).toThrow(MalformedError);
      expect(() => decodeCommand(Buffer.concat([body, Buffer.from([1])]))).toThrow(MalformedError);
    }));
    expect(() => decodeCommand(Buffer.from([200, 1]))).toThrow(/not a state command/);
    expect(() => decodeCommand(Buffer.from([1, 1]))).toThrow(/not a state command/);
  });

  it('validate before encoding', () => {
    expect(() => encodeCommand({ kind: CommandKind.TopicCreate, topic: topicConfig('a b') })).toThrow(InvalidArgumentError);
    expect(() => encodeCommand({ kind: CommandKind.TopicCreate, topic: topicConfig('T', { writeQueueNums: 0 }) })).toThrow(InvalidArgumentError);
    expect(() => encodeCommand({ kind: CommandKind.OffsetCommit, group: 'G', topic: 'T', queueId: 0, offset: -1 })).toThrow(InvalidArgumentError);
  });
});
