// The fixed 20-byte ConsumeQueue record and the tag hash it carries.

import { crc32c } from '@node-rs/crc32';
import { assertUint } from './assert.ts';
import { cqRecordBytes, tagHashCacheMax } from './constants.ts';

export interface CqRecord {
  /** Where the message's record starts in the log (see MESSAGE-FORMAT.md). */
  readonly physicalOffset: number;
  /** Bytes of the message's record. */
  readonly size: number;
  readonly tagHash: number;
}

const twoTo32 = 2 ** 32;

/**
 * Tag hash stored in the 8-byte field: CRC32C of the tag's UTF-8 bytes (0 = no tag). Readers
 * compare hashes first and then check the exact tag on the message, so collisions cost a read,
 * never a wrong delivery.
 */
export function tagHash(tag: string | null): number {
  if (tag === null) return 0;
  let h = tagHashes.get(tag);
  if (h === undefined) {
    h = crc32c(Buffer.from(tag, 'utf8'));
    // Tags are few in practice; a flood of distinct ones only costs a re-hash after the reset.
    if (tagHashes.size >= tagHashCacheMax) tagHashes.clear();
    tagHashes.set(tag, h);
  }
  return h;
}

const tagHashes = new Map<string, number>();

export function writeCqRecord(buf: Buffer, at: number, r: CqRecord): void {
  putCqRecord(buf, at, r.physicalOffset, r.size, r.tagHash);
}

/** writeCqRecord without a record object (the apply path writes one per message). */
export function putCqRecord(buf: Buffer, at: number, physicalOffset: number, size: number, hash: number): void {
  assertUint(physicalOffset, 'physical offset');
  assertUint(hash, 'tag hash');
  buf.writeUInt32LE(physicalOffset % twoTo32, at);
  buf.writeUInt32LE(Math.floor(physicalOffset / twoTo32), at + 4);
  buf.writeInt32LE(size, at + 8);
  buf.writeUInt32LE(hash % twoTo32, at + 12);
  buf.writeUInt32LE(Math.floor(hash / twoTo32), at + 16);
}

/** Fields of the j-th record of a buffer of raw records, without a record object. */
export function cqPhysicalOffset(buf: Buffer, j: number): number {
  const at = j * cqRecordBytes;
  return buf.readUInt32LE(at + 4) * twoTo32 + buf.readUInt32LE(at);
}

export function cqSize(buf: Buffer, j: number): number {
  return buf.readInt32LE(j * cqRecordBytes + 8);
}

export function cqTagHash(buf: Buffer, j: number): number {
  const at = j * cqRecordBytes;
  return buf.readUInt32LE(at + 16) * twoTo32 + buf.readUInt32LE(at + 12);
}

export function readCqRecord(buf: Buffer, at: number): CqRecord {
  return {
    physicalOffset: buf.readUInt32LE(at + 4) * twoTo32 + buf.readUInt32LE(at),
    size: buf.readInt32LE(at + 8),
    tagHash: buf.readUInt32LE(at + 16) * twoTo32 + buf.readUInt32LE(at + 12),
  };
}

export { cqRecordBytes };
