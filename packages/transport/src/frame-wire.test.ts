import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeMessages, encodeMessages } from './codec/index.ts';
import { message, messageArb } from './codec/arbitraries.test-util.ts';
import { chunkFrame, encodeMessageFrame } from './frame-wire.ts';
import { raftPeerService } from './peer-proto.ts';

const stream = raftPeerService().Stream!;
const protobufFrame = (batch: Buffer, more: boolean): Buffer => stream.requestSerialize(more ? { batch, more } : { batch }) as Buffer;
const decodeFrame = (wire: Buffer) => stream.requestDeserialize(wire) as { batch: Buffer; more?: boolean };

describe('Frame wire form written by hand', () => {
  it('is byte for byte what protobufjs writes for the same batch, and decodes back to the messages (property)', () => {
    fc.assert(
      fc.property(fc.array(messageArb, { minLength: 1, maxLength: 8 }), (msgs) => {
        const wire = encodeMessageFrame(msgs, 8 * 1024 * 1024);
        expect(wire).not.toBeNull();
        expect(wire!.equals(protobufFrame(encodeMessages(msgs), false))).toBe(true);
        const frame = decodeFrame(wire!);
        expect(frame.more ?? false).toBe(false);
        expect(decodeMessages(frame.batch)).toEqual(decodeMessages(encodeMessages(msgs)));
      }),
      { numRuns: 200 },
    );
  });

  it('returns null for a batch over the frame limit, so the caller chunks it', () => {
    const big = message({ entries: [{ index: 11, term: 3, type: 0, data: new Uint8Array(4096) }] });
    expect(encodeMessageFrame([big], 1024)).toBeNull();
    expect(encodeMessageFrame([big], 8192)).not.toBeNull();
  });

  it('writes chunks with and without `more` as protobufjs does, varint lengths of every size', () => {
    for (const size of [1, 127, 128, 16_383, 16_384, 300_000]) {
      const chunk = Buffer.alloc(size, size % 251);
      for (const more of [true, false]) {
        const wire = chunkFrame(chunk, more);
        expect(wire.equals(protobufFrame(chunk, more))).toBe(true);
        const frame = decodeFrame(wire);
        expect(frame.batch.equals(chunk)).toBe(true);
        expect(frame.more ?? false).toBe(more);
      }
    }
  });
});
