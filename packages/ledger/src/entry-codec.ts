// Encodes and decodes the fixed entry header (layout in ../FORMAT.md). Little-endian.

import { crc32c } from '@node-rs/crc32';
import type { Entry, EntryType } from '@ledgermq/raft';
import { assert } from './assert.ts';
import { headerBytes, headerCrcOffsetBytes } from './constants.ts';
import type { CopySlab } from './copy-slab.ts';
import { headerCrc } from './header-crc.ts';

/** Magic bytes 'L' 'Q' 'E' <type> for an entry, 'L' 'Q' 'P' 0xFF for padding, read as a u32 LE. */
const magicEntryBase = 0x4c | (0x51 << 8) | (0x45 << 16);
export const magicPad = (0x4c | (0x51 << 8) | (0x50 << 16) | (0xff << 24)) >>> 0;
const entryTypeMax = 0xfe;

const twoPow32 = 2 ** 32;

export function magicOf(type: number): number {
  assert(Number.isInteger(type) && type >= 0 && type <= entryTypeMax, `entry type ${type} out of range`);
  return (magicEntryBase | (type << 24)) >>> 0;
}

export function writeU64(buf: Buffer, offset: number, value: number): void {
  assert(Number.isSafeInteger(value) && value >= 0, `u64 value ${value} not a safe non-negative integer`);
  buf.writeUInt32LE(value % twoPow32, offset);
  buf.writeUInt32LE(Math.floor(value / twoPow32), offset + 4);
}

export function readU64(buf: Buffer, offset: number): number {
  return buf.readUInt32LE(offset) + buf.readUInt32LE(offset + 4) * twoPow32;
}

export interface HeaderFields {
  magic: number;
  size: number;
  index: number;
  term: number;
  pos: number;
  channel: number;
  bodyCrc: number;
}

/** Writes header + body of one entry at `offset` of `buf`; returns the bytes written. */
export function encodeEntry(buf: Buffer, offset: number, entry: Entry, pos: number, channel = 0): number {
  const size = headerBytes + entry.data.length;
  assert(offset + size <= buf.length, 'encode buffer too small');
  buf.set(entry.data, offset + headerBytes);
  writeHeader(buf, offset, magicOf(entry.type), size, entry.index, entry.term, pos, channel, crc32c(entry.data));
  return size;
}

/** Writes a padding record filling `size` bytes (header + zeros), or only zeros if smaller than a header. */
export function encodePad(buf: Buffer, offset: number, size: number, pos: number): void {
  assert(offset + size <= buf.length, 'pad buffer too small');
  buf.fill(0, offset, offset + size);
  if (size >= headerBytes) writeHeader(buf, offset, magicPad, size, 0, 0, pos, 0, 0);
}

function writeHeader(buf: Buffer, o: number, magic: number, size: number, index: number, term: number, pos: number, channel: number, bodyCrc: number): void {
  buf.writeUInt32LE(magic, o);
  buf.writeUInt32LE(size, o + 4);
  writeU64(buf, o + 8, index);
  writeU64(buf, o + 16, term);
  writeU64(buf, o + 24, pos);
  buf.writeUInt32LE(channel, o + 32);
  buf.writeUInt32LE(bodyCrc, o + 36);
  buf.writeUInt32LE(headerCrc(buf, o, o + headerCrcOffsetBytes), o + headerCrcOffsetBytes);
}

/** Decodes a header if its CRC and magic are valid; null otherwise (torn, zeroed or corrupt). */
export function decodeHeader(buf: Buffer, o: number): HeaderFields | null {
  if (o + headerBytes > buf.length) return null;
  const magic = buf.readUInt32LE(o);
  if (!isMagic(magic)) return null;
  if (headerCrc(buf, o, o + headerCrcOffsetBytes) !== buf.readUInt32LE(o + headerCrcOffsetBytes)) return null;
  const fields: HeaderFields = {
    magic,
    size: buf.readUInt32LE(o + 4),
    index: readU64(buf, o + 8),
    term: readU64(buf, o + 16),
    pos: readU64(buf, o + 24),
    channel: buf.readUInt32LE(o + 32),
    bodyCrc: buf.readUInt32LE(o + 36),
  };
  if (fields.size < headerBytes || !Number.isSafeInteger(fields.index) || !Number.isSafeInteger(fields.term) || !Number.isSafeInteger(fields.pos)) return null;
  return fields;
}

export function isMagic(magic: number): boolean {
  return magic === magicPad || ((magic & 0xffffff) === magicEntryBase && magic >>> 24 <= entryTypeMax);
}

export function isPad(h: HeaderFields): boolean {
  return h.magic === magicPad;
}

export function typeOf(h: HeaderFields): EntryType {
  return (h.magic >>> 24) as EntryType;
}

export function bodyValid(h: HeaderFields, body: Uint8Array): boolean {
  return body.length === h.size - headerBytes && crc32c(body) === h.bodyCrc;
}

/**
 * Decodes and fully validates one entry held in `buf` at `o`, which must end by `end`; null when
 * anything is off. The data is a view into `buf`.
 */
export function decodeEntry(buf: Buffer, o: number, end = buf.length): Entry | null {
  const h = decodeHeader(buf, o);
  if (!h || isPad(h) || o + h.size > end) return null;
  const view = buf.subarray(o + headerBytes, o + h.size);
  if (!bodyValid(h, view)) return null;
  return { index: h.index, term: h.term, type: typeOf(h), data: view };
}

/**
 * The entry the in-memory index names (index, term, position, size) if `buf` holds it whole at
 * `o` (ending by `end`): a valid entry magic, the header CRC, every header field the index
 * knows (size, index, term and position), and the body CRC; null when anything is off. What
 * decodeEntry checks plus the position, without building the header fields (the read paths
 * call this once per entry). The data is a view into `buf`, or a copy made by `copyTo` (`buf`
 * is a reused read buffer).
 */
export function decodeIndexedEntry(buf: Buffer, o: number, end: number, index: number, term: number, pos: number, size: number, copyTo: CopySlab | null): Entry | null {
  if (size < headerBytes || o < 0 || o + size > end || end > buf.length) return null;
  const magic = buf.readUInt32LE(o);
  if (magic === magicPad || !isMagic(magic)) return null;
  if (headerCrc(buf, o, o + headerCrcOffsetBytes) !== buf.readUInt32LE(o + headerCrcOffsetBytes)) return null;
  if (buf.readUInt32LE(o + 4) !== size || readU64(buf, o + 8) !== index || readU64(buf, o + 16) !== term || readU64(buf, o + 24) !== pos) return null;
  const view = buf.subarray(o + headerBytes, o + size);
  if (crc32c(view) !== buf.readUInt32LE(o + 36)) return null;
  return { index, term, type: (magic >>> 24) as EntryType, data: copyTo === null ? view : copyTo.copy(view) };
}
