import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bodyBytesMax, stringBytesMax } from './constants.ts';
import { MalformedError, InvalidArgumentError, StoreError } from './errors.ts';
import { decodeBatchHeader, decodeMessageAt, decodeMessageBatch, encodeMessageBatch, recordOffsets, scanMessageBatch } from './message-codec.ts';
import { type MessageBatch, type MessageInput, TransactionState, emptyProperties } from './message.ts';
import { message } from './test-helpers.ts';

const str = fc.string({ maxLength: 20 });
const optStr = fc.option(str, { nil: null });
const ts = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const u32 = fc.integer({ min: 0, max: 0xffffffff });

const messageArb: fc.Arbitrary<MessageInput> = fc.record({
  flag: u32, sysFlag: u32, reconsumeTimes: u32, bornHost: str, bornTimestampMs: ts,
  body: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  properties: fc.record({
    tags: optStr, keys: fc.array(str, { maxLength: 4 }), uniqKey: optStr, messageGroup: optStr,
    deliveryTimestampMs: fc.option(ts, { nil: null }), transactionId: optStr,
    transactionState: fc.constantFrom(...Object.values(TransactionState)), traceContext: optStr,
    user: fc.dictionary(str, str, { maxKeys: 5 }).map((d) => new Map(Object.entries(d))),
  }),
});

const batchArb: fc.Arbitrary<MessageBatch> = fc.record({
  topic: fc.stringMatching(/^[A-Za-z0-9%_|-]{1,30}$/),
  queueId: fc.integer({ min: 0, max: 1023 }),
  storeHost: str,
  storeTimestampMs: ts,
  messages: fc.array(messageArb, { minLength: 1, maxLength: 5 }),
});

function sameInput(a: MessageInput, b: MessageInput): void {
  expect(Buffer.from(b.body).equals(Buffer.from(a.body))).toBe(true);
  expect({ ...b, body: null }).toEqual({ ...a, body: null });
}

describe('message codec', () => {
  it('round-trips a batch, with record offsets that locate each message', () => {
    const msgs = [message('one', { tags: 'TagA', keys: ['k1', 'k2'], uniqKey: 'AB01' }), message('two', { user: new Map([['b', '2'], ['a', '1']]) })];
    const body = encodeMessageBatch({ topic: 'T', queueId: 3, storeHost: '10.0.0.1:10911', storeTimestampMs: 42, messages: msgs });
    const out = decodeMessageBatch(body);
    expect(out.map((m) => m.body.toString())).toEqual(['one', 'two']);
    expect(out[0]).toMatchObject({ topic: 'T', queueId: 3, storeTimestampMs: 42, storeHost: '10.0.0.1:10911' });
    expect(out[1].properties.user).toEqual(new Map([['a', '1'], ['b', '2']]));
    expect(recordOffsets(body)).toEqual(out.map((m) => m.recordOffsetBytes));
    expect(decodeMessageAt(body, out[1].recordOffsetBytes).body.toString()).toBe('two');
    expect(() => decodeMessageAt(body, out[1].recordOffsetBytes + 1)).toThrow(MalformedError);
    // The body is a view into the entry bytes, not a copy.
    expect(out[0].body.buffer).toBe(Buffer.from(body.buffer).buffer);
  });

  it('round-trips arbitrary batches (property)', () => {
    fc.assert(fc.property(batchArb, (batch) => {
      const body = encodeMessageBatch(batch);
      const out = decodeMessageBatch(body);
      expect(out.length).toBe(batch.messages.length);
      const h = decodeBatchHeader(body);
      expect(h).toMatchObject({ topic: batch.topic, queueId: batch.queueId, storeHost: batch.storeHost, storeTimestampMs: batch.storeTimestampMs });
      out.forEach((m, k) => {
        const { body: _b, topic: _t, queueId: _q, storeHost: _s, storeTimestampMs: _ts, bodyCrc32c: _c, recordOffsetBytes: _o, recordBytes: _r, ...rest } = m;
        sameInput({ ...rest, body: m.body }, batch.messages[k]);
      });
      // Encoding is canonical: re-encoding the decoded messages gives the same bytes.
      expect(Buffer.from(encodeMessageBatch({ ...batch, messages: out })).equals(Buffer.from(body))).toBe(true);
    }), { numRuns: 300 });
  });

  it('rejects every truncation and any single flipped byte with a MalformedError, never a crash (property)', () => {
    fc.assert(fc.property(batchArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (batch, at, xor) => {
      const body = Buffer.from(encodeMessageBatch(batch));
      const cut = body.subarray(0, at % body.length);
      expect(() => decodeMessageBatch(cut)).toThrow(MalformedError);
      const flipped = Buffer.from(body);
      flipped[at % body.length] ^= xor;
      try {
        decodeMessageBatch(flipped);
        // A flip inside a string may still decode (e.g. another valid character); never garbage lengths.
      } catch (err) {
        expect(err).toBeInstanceOf(MalformedError);
      }
    }), { numRuns: 300 });
  });

  it('the apply-time scan accepts exactly what decoding accepts, but for the body CRC (property)', () => {
    fc.assert(fc.property(batchArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (batch, at, xor) => {
      const body = Buffer.from(encodeMessageBatch(batch));
      const same = (b: Uint8Array) => {
        const scanned = scanMessageBatch(b).records;
        const decoded = decodeMessageBatch(b);
        expect(scanned).toEqual(decoded.map((m) => ({ recordOffsetBytes: m.recordOffsetBytes, recordBytes: m.recordBytes, tags: m.properties.tags, uniqKey: m.properties.uniqKey, keys: m.properties.keys })));
      };
      same(body);
      expect(() => scanMessageBatch(body.subarray(0, at % body.length))).toThrow(MalformedError);
      const flipped = Buffer.from(body);
      flipped[at % body.length] ^= xor;
      let decodeError: unknown = null;
      try {
        decodeMessageBatch(flipped);
      } catch (err) {
        decodeError = err;
      }
      if (decodeError === null) return same(flipped);
      if (/CRC32C/.test((decodeError as Error).message)) return void scanMessageBatch(flipped); // the one difference
      expect(() => scanMessageBatch(flipped)).toThrow(MalformedError);
    }), { numRuns: 500 });
  });

  it('detects a corrupted body through its CRC32C', () => {
    const body = Buffer.from(encodeMessageBatch({ topic: 'T', queueId: 0, storeHost: 'h', storeTimestampMs: 1, messages: [message('hello world')] }));
    body[body.length - 1] ^= 1;
    expect(() => decodeMessageBatch(body)).toThrow(/CRC32C/);
  });

  it('validates limits on encode', () => {
    const base = { queueId: 0, storeHost: 'h', storeTimestampMs: 1 };
    expect(() => encodeMessageBatch({ ...base, topic: 'bad topic', messages: [message('x')] })).toThrow(InvalidArgumentError);
    expect(() => encodeMessageBatch({ ...base, topic: 'T', messages: [] })).toThrow(InvalidArgumentError);
    expect(() => encodeMessageBatch({ ...base, topic: 'T', queueId: 5000, messages: [message('x')] })).toThrow(InvalidArgumentError);
    const big = { ...message('x'), body: Buffer.alloc(bodyBytesMax + 1) };
    expect(() => encodeMessageBatch({ ...base, topic: 'T', messages: [big] })).toThrow(InvalidArgumentError);
    const badTs = { ...message('x'), properties: emptyProperties({ deliveryTimestampMs: -1 }) };
    expect(() => encodeMessageBatch({ ...base, topic: 'T', messages: [badTs] })).toThrow(StoreError);
    const badFlag = { ...message('x'), sysFlag: 2 ** 32 };
    expect(() => encodeMessageBatch({ ...base, topic: 'T', messages: [badFlag] })).toThrow(/sysFlag 4294967296 is not a u32/);
    const badState = { ...message('x'), properties: emptyProperties({ transactionState: 7 as TransactionState }) };
    expect(() => encodeMessageBatch({ ...base, topic: 'T', messages: [badState] })).toThrow(/bad transaction state 7/);
  });

  it('limits a string by its UTF-8 bytes, also when it has few characters', () => {
    const base = { topic: 'T', queueId: 0, storeHost: 'h', storeTimestampMs: 1 };
    const withTags = (tags: string) => ({ ...message('x'), properties: emptyProperties({ tags }) });
    // '€' is 3 UTF-8 bytes: 5,461 of them fit in 16 KiB, 5,462 do not (and neither do 16,385 ASCII).
    expect(() => encodeMessageBatch({ ...base, messages: [withTags('€'.repeat(stringBytesMax / 3 | 0))] })).not.toThrow();
    expect(() => encodeMessageBatch({ ...base, messages: [withTags('€'.repeat((stringBytesMax / 3 | 0) + 1))] })).toThrow(/tags longer than 16384 bytes/);
    expect(() => encodeMessageBatch({ ...base, messages: [withTags('a'.repeat(stringBytesMax))] })).not.toThrow();
    expect(() => encodeMessageBatch({ ...base, messages: [withTags('a'.repeat(stringBytesMax + 1))] })).toThrow(/tags longer than/);
    // A surrogate pair is 2 units and 4 bytes: 4,096 pairs are exactly 16 KiB.
    expect(() => encodeMessageBatch({ ...base, messages: [withTags('😀'.repeat(4096))] })).not.toThrow();
    expect(() => encodeMessageBatch({ ...base, messages: [withTags('😀'.repeat(4096) + 'a')] })).toThrow(/tags longer than/);
  });

  it('rejects a wrong kind, a wrong version and trailing bytes', () => {
    const body = Buffer.from(encodeMessageBatch({ topic: 'T', queueId: 0, storeHost: 'h', storeTimestampMs: 1, messages: [message('x')] }));
    const wrongKind = Buffer.from(body);
    wrongKind[0] = 2;
    expect(() => decodeMessageBatch(wrongKind)).toThrow(/not a message batch/);
    const wrongVersion = Buffer.from(body);
    wrongVersion[1] = 9;
    expect(() => decodeMessageBatch(wrongVersion)).toThrow(/version/);
    expect(() => decodeMessageBatch(Buffer.concat([body, Buffer.from([0])]))).toThrow(MalformedError);
    expect(() => decodeMessageBatch(new Uint8Array(0))).toThrow(MalformedError);
  });
});
