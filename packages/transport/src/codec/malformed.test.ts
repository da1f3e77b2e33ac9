import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeMessages } from './decode.ts';
import { encodeMessages } from './encode.ts';
import { MalformedFrameError } from '../errors.ts';
import { message, messageArb } from './arbitraries.test-util.ts';

function sample(): Buffer {
  return encodeMessages([
    message({ entries: [{ index: 11, term: 3, type: 0, data: Buffer.from('hello') }] }),
    message({
      type: 6,
      snapshot: { meta: { index: 10, term: 2, conf: { voters: ['n0', 'n1', 'n2'] } }, data: Buffer.from('state') },
    }),
  ]);
}

function expectMalformed(buf: Buffer, pattern?: RegExp): void {
  let thrown: unknown;
  try {
    decodeMessages(buf);
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(MalformedFrameError);
  if (pattern !== undefined) expect((thrown as Error).message).toMatch(pattern);
}

// Offsets within sample(): header 5, message 0 fixed part starts at 5.
const message0 = 5;
const entryCountOffset = message0 + 2 + 40;
const fromLengthOffset = entryCountOffset + 4;

describe('decoder refuses malformed input', () => {
  it('every truncation of a valid batch', () => {
    const buf = sample();
    for (let len = 0; len < buf.length; len++) expectMalformed(buf.subarray(0, len));
  });

  it('every truncation of random batches', () => {
    fc.assert(
      fc.property(fc.array(messageArb, { minLength: 1, maxLength: 3 }), fc.nat(), (msgs, cut) => {
        const buf = encodeMessages(msgs);
        expectMalformed(buf.subarray(0, cut % buf.length));
      }),
    );
  });

  it('trailing bytes', () => {
    expectMalformed(Buffer.concat([sample(), Buffer.from([0])]), /trailing/);
  });

  it('wrong version', () => {
    const buf = sample();
    buf[0] = 2;
    expectMalformed(buf, /version 2/);
  });

  it('message count over the limit or over the bytes present', () => {
    const buf = sample();
    buf.writeUInt32LE(1_000_000, 1);
    expectMalformed(buf, /limit/);
    buf.writeUInt32LE(3, 1);
    expectMalformed(buf);
  });

  it('entry count lying about what follows', () => {
    const buf = sample();
    buf.writeUInt32LE(200_000, entryCountOffset);
    expectMalformed(buf, /entries/);
    buf.writeUInt32LE(0xffff_ffff, entryCountOffset);
    expectMalformed(buf, /limit/);
  });

  it('node id length zero, over the limit, or past the end', () => {
    const buf = sample();
    buf.writeUInt16LE(0, fromLengthOffset);
    expectMalformed(buf, /from length 0/);
    buf.writeUInt16LE(300, fromLengthOffset);
    expectMalformed(buf, /from length 300/);
    buf.writeUInt16LE(200, fromLengthOffset);
    expectMalformed(buf);
  });

  it('node id that is not UTF-8', () => {
    const buf = sample();
    buf[fromLengthOffset + 2] = 0xff;
    expectMalformed(buf, /UTF-8/);
  });

  it('entry data length over the entry limit', () => {
    const buf = sample();
    const entryLengthOffset = fromLengthOffset + 2 + 2 + 2 + 2 + 8 + 8 + 1;
    expect(buf.readUInt32LE(entryLengthOffset)).toBe(5);
    buf.writeUInt32LE(5 * 1024 * 1024, entryLengthOffset);
    expectMalformed(buf, /over limit/);
    buf.writeUInt32LE(6, entryLengthOffset);
    expectMalformed(buf);
  });

  it('unknown message type, entry type and flags', () => {
    const a = sample();
    a[message0] = 9;
    expectMalformed(a, /type 9/);
    const b = sample();
    b[message0 + 1] = 0x80;
    expectMalformed(b, /flags/);
    const c = sample();
    const entryTypeOffset = fromLengthOffset + 2 + 2 + 2 + 2 + 8 + 8;
    c[entryTypeOffset] = 7;
    expectMalformed(c, /entry 0 type 7/);
  });

  it('a number above 2^53', () => {
    const buf = sample();
    buf.writeUInt32LE(0x0020_0000, message0 + 2 + 4);
    expectMalformed(buf, /2\^53/);
  });

  it('random garbage either fails cleanly or is a canonical batch', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const buf = Buffer.from(bytes);
        try {
          const msgs = decodeMessages(buf);
          expect(encodeMessages(msgs).equals(buf)).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(MalformedFrameError);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('single-byte corruption of a valid batch never crashes the decoder', () => {
    const base = sample();
    fc.assert(
      fc.property(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 }), (at, value) => {
        const buf = Buffer.from(base);
        buf[at] = value;
        try {
          decodeMessages(buf);
        } catch (err) {
          expect(err).toBeInstanceOf(MalformedFrameError);
        }
      }),
      { numRuns: 2_000 },
    );
  });
});
