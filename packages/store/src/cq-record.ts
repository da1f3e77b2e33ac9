// The fixed 20-byte ConsumeQueue record and the tag hash it carries.

import { crc32c } from '@node-rs/crc32';
import { assertUint } from './assert.ts';
import { cqRecordBytes } from './constants.ts';

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
  return tag === null ? 0 : crc32c(Buffer.from(tag, 'utf8'));
}

export function writeCqRecord(buf: Buffer, at: number, r: CqRecord): void {
  assertUint(r.physicalOffset, 'physical offset');
  assertUint(r.tagHash, 'tag hash');
  buf.writeUInt32LE(r.physicalOffset % twoTo32, at);
  buf.writeUInt32LE(Math.floor(r.physicalOffset / twoTo32), at + 4);
  buf.writeInt32LE(r.size, at + 8);
  buf.writeUInt32LE(r.tagHash % twoTo32, at + 12);
  buf.writeUInt32LE(Math.floor(r.tagHash / twoTo32), at + 16);
}

export function readCqRecord(buf: Buffer, at: number): CqRecord {
  return {
    physicalOffset: buf.readUInt32LE(at + 4) * twoTo32 + buf.readUInt32LE(at),
    size: buf.readInt32LE(at + 8),
    tagHash: buf.readUInt32LE(at + 16) * twoTo32 + buf.readUInt32LE(at + 12),
  };
}

export { cqRecordBytes };
