import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Entry, EntryType } from '@ledgermq/raft';
import { copySlabPieceBytesMax, headerBytes } from './constants.ts';
import { CopySlab } from './copy-slab.ts';
import { decodeEntry, decodeHeader, decodeIndexedEntry, encodeEntry, encodePad, isPad, readU64, writeU64 } from './entry-codec.ts';

const arbEntry = fc.record({
  index: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  term: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  type: fc.constantFrom(0, 1, 2) as fc.Arbitrary<EntryType>,
  data: fc.uint8Array({ maxLength: 2000 }),
});

describe('entry codec', () => {
  it('round-trips any entry, position and header field', () => {
    fc.assert(
      fc.property(arbEntry, fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 0, max: 64 }), (e: Entry, pos, offset) => {
        const buf = Buffer.alloc(offset + headerBytes + e.data.length);
        const n = encodeEntry(buf, offset, e, pos);
        expect(n).toBe(headerBytes + e.data.length);
        const h = decodeHeader(buf, offset)!;
        expect(h).not.toBeNull();
        expect(h.pos).toBe(pos);
        expect(h.size).toBe(n);
        const d = decodeEntry(buf, offset)!;
        expect(d.index).toBe(e.index);
        expect(d.term).toBe(e.term);
        expect(d.type).toBe(e.type);
        expect(Buffer.from(d.data).equals(Buffer.from(e.data))).toBe(true);
      }),
    );
  });

  it('rejects an entry with any single byte flipped', () => {
    fc.assert(
      fc.property(arbEntry, fc.nat(), (e: Entry, at) => {
        const buf = Buffer.alloc(headerBytes + e.data.length);
        encodeEntry(buf, 0, e, 4096);
        buf[at % buf.length] ^= 0x5a;
        expect(decodeEntry(buf, 0)).toBeNull();
      }),
    );
  });

  it('decodes an entry only where and as the index names it, with any single byte flipped rejected', () => {
    fc.assert(
      fc.property(arbEntry, fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 0, max: 64 }), fc.nat(), fc.boolean(), (e: Entry, pos, offset, at, copy) => {
        const buf = Buffer.alloc(offset + headerBytes + e.data.length + 8);
        const size = encodeEntry(buf, offset, e, pos);
        const end = offset + size;
        const decode = (o: number, i: number, t: number, p: number, n: number) => decodeIndexedEntry(buf, o, end, i, t, p, n, copy ? new CopySlab() : null);
        const d = decode(offset, e.index, e.term, pos, size)!;
        expect(d).toMatchObject({ index: e.index, term: e.term, type: e.type });
        expect(Buffer.from(d.data).equals(Buffer.from(e.data))).toBe(true);
        expect(d.data.buffer === buf.buffer).toBe(!copy);
        // The index disagrees: another index, term, position or size, or the bytes end early.
        expect(decode(offset, e.index + 1, e.term, pos, size)).toBeNull();
        expect(decode(offset, e.index, e.term + 1, pos, size)).toBeNull();
        expect(decode(offset, e.index, e.term, pos + 1, size)).toBeNull();
        expect(decode(offset, e.index, e.term, pos, size + 1)).toBeNull();
        expect(decodeIndexedEntry(buf, offset, end - 1, e.index, e.term, pos, size, null)).toBeNull();
        buf[offset + (at % size)] ^= 0x5a;
        expect(decode(offset, e.index, e.term, pos, size)).toBeNull();
      }),
    );
    const pad = Buffer.alloc(100);
    encodePad(pad, 0, 100, 0);
    expect(decodeIndexedEntry(pad, 0, 100, 0, 0, 0, 100, null)).toBeNull();
  });

  it('copies entries into slab pieces that never overlap, and large ones into buffers of their own', () => {
    const slab = new CopySlab();
    const pieces = Array.from({ length: 200 }, (_, k) => {
      const bytes = Buffer.alloc(k % 50 === 0 ? copySlabPieceBytesMax + 1 : 1 + ((k * 397) % 3000), k);
      return { bytes, copy: slab.copy(bytes) };
    });
    for (const { bytes, copy } of pieces) expect(copy.equals(bytes)).toBe(true);
    const shared = pieces.filter((p) => p.bytes.length <= copySlabPieceBytesMax);
    for (let k = 1; k < shared.length; k++) {
      const [a, b] = [shared[k - 1].copy, shared[k].copy];
      if (a.buffer === b.buffer) expect(b.byteOffset).toBeGreaterThanOrEqual(a.byteOffset + a.length);
    }
    expect(new Set(shared.map((p) => p.copy.buffer)).size).toBeLessThan(shared.length / 8);
    for (const p of pieces.filter((x) => x.bytes.length > copySlabPieceBytesMax)) expect(p.copy.byteLength).toBe(p.copy.buffer.byteLength);
  });

  it('rejects zeroed and truncated records', () => {
    const e: Entry = { index: 7, term: 3, type: 0, data: new Uint8Array([1, 2, 3]) };
    const buf = Buffer.alloc(headerBytes + 3);
    encodeEntry(buf, 0, e, 0);
    expect(decodeEntry(buf.subarray(0, buf.length - 1), 0)).toBeNull();
    expect(decodeHeader(Buffer.alloc(headerBytes), 0)).toBeNull();
  });

  it('encodes padding that decodes as padding and fills with zeros', () => {
    const buf = Buffer.alloc(200, 0xee);
    encodePad(buf, 10, 100, 12345);
    const h = decodeHeader(buf, 10)!;
    expect(isPad(h)).toBe(true);
    expect(h.size).toBe(100);
    expect(h.pos).toBe(12345);
    expect(buf.subarray(10 + headerBytes, 110).every((b) => b === 0)).toBe(true);
    expect(buf[110]).toBe(0xee);
    encodePad(buf, 0, 20, 0);
    expect(buf.subarray(0, 20).every((b) => b === 0)).toBe(true);
  });

  it('writes u64 little-endian exactly for safe integers', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (v) => {
        const buf = Buffer.alloc(8);
        writeU64(buf, 0, v);
        expect(buf.readBigUInt64LE(0)).toBe(BigInt(v));
        expect(readU64(buf, 0)).toBe(v);
      }),
    );
  });
});
