import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Message } from '@ledgermq/raft';
import { decodeMessages } from './decode.ts';
import { encodeMessages, measureMessage } from './encode.ts';
import { batchHeaderBytes } from './format.ts';
import { InvalidMessageError } from '../errors.ts';
import { message, messageArb } from './arbitraries.test-util.ts';

/** Decoded data are Buffers (views); compare them as plain bytes. */
function normalize(msgs: readonly Message[]): unknown {
  return msgs.map((m) => ({
    ...m,
    entries: m.entries.map((e) => ({ ...e, data: Array.from(e.data) })),
    snapshot: m.snapshot === null ? null : { ...m.snapshot, data: Array.from(m.snapshot.data) },
  }));
}

describe('codec round trip', () => {
  it('decodes exactly what was encoded (random messages)', () => {
    fc.assert(
      fc.property(fc.array(messageArb, { maxLength: 8 }), (msgs) => {
        const buf = encodeMessages(msgs);
        const measured = msgs.reduce((sum, m) => sum + measureMessage(m), batchHeaderBytes);
        expect(buf.length).toBe(measured);
        expect(normalize(decodeMessages(buf))).toEqual(normalize(msgs));
      }),
      { numRuns: 500 },
    );
  });

  it('re-encoding a decoded batch gives the same bytes (the layout is canonical)', () => {
    fc.assert(
      fc.property(fc.array(messageArb, { maxLength: 4 }), (msgs) => {
        const buf = encodeMessages(msgs);
        expect(encodeMessages(decodeMessages(buf)).equals(buf)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('decoded entry data are views of the frame, not copies', () => {
    const data = Buffer.alloc(1024, 7);
    const buf = encodeMessages([message({ entries: [{ index: 11, term: 3, type: 0, data }] })]);
    const [decoded] = decodeMessages(buf);
    const view = decoded.entries[0].data;
    expect(view.buffer).toBe(buf.buffer);
    expect(Buffer.from(view).equals(data)).toBe(true);
  });

  it('encodes an empty batch', () => {
    expect(decodeMessages(encodeMessages([]))).toEqual([]);
  });

  it('refuses messages it cannot encode, before allocating', () => {
    expect(() => encodeMessages([message({ from: '' })])).toThrow(InvalidMessageError);
    expect(() => encodeMessages([message({ to: 'x'.repeat(256) })])).toThrow(InvalidMessageError);
    expect(() => encodeMessages([message({ term: -1 })])).toThrow(InvalidMessageError);
    expect(() => encodeMessages([message({ index: 2 ** 53 })])).toThrow(InvalidMessageError);
    expect(() => encodeMessages([message({ commit: 1.5 })])).toThrow(InvalidMessageError);
    expect(() => encodeMessages([message({ type: 9 as Message['type'] })])).toThrow(InvalidMessageError);
    const huge = new Uint8Array(4 * 1024 * 1024 + 64 * 1024 + 1);
    expect(() => encodeMessages([message({ entries: [{ index: 1, term: 1, type: 0, data: huge }] })])).toThrow(
      InvalidMessageError,
    );
  });

  it('encodes 1000 x 1 KiB entries quickly (one copy of the data)', () => {
    const entries = Array.from({ length: 1000 }, (_, i) => ({ index: i + 1, term: 1, type: 0 as const, data: Buffer.alloc(1024, i) }));
    const msgs = [message({ entries })];
    const rounds = 200;
    const start = process.hrtime.bigint();
    let bytes = 0;
    for (let i = 0; i < rounds; i++) bytes += encodeMessages(msgs).length;
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    // 200 MB of entries; a memcpy-bound encoder does this in well under a second even on a busy box.
    expect(bytes).toBeGreaterThan(rounds * 1024 * 1000);
    expect(ms).toBeLessThan(5_000);
  });
});
