// The saved snapshot: meta + the state machines' opaque data, plus where the log continues
// after it (endPos) so positions stay identical to the leader's. Replaced atomically.
//
// Layout: magic u32 'QLS1' | crc32c u32 over the rest | metaLen u32 | meta JSON | data.

import { crc32c } from '@node-rs/crc32';
import type { Snapshot } from '@ledgermq/raft';
import { assert } from './assert.ts';
import { snapshotBytesMax } from './constants.ts';
import type { FileSystem } from './fs/file-system.ts';
import { readWholeFile, writeFileAtomic } from './fs/file-system.ts';

export const snapshotFileName = 'snapshot';
const snapshotMagic = 0x31534c51;

export interface StoredSnapshot {
  readonly snapshot: Snapshot;
  /** Position right after the snapshot's last entry: where entry meta.index + 1 lives. */
  readonly endPos: number;
  /** True when written by installSnapshot: the log restarts at meta.index + 1 (recovery finishes an interrupted install). */
  readonly installed: boolean;
}

export function saveSnapshotFile(fs: FileSystem, dir: string, s: StoredSnapshot): void {
  const meta = Buffer.from(JSON.stringify({ index: s.snapshot.meta.index, term: s.snapshot.meta.term, conf: s.snapshot.meta.conf, endPos: s.endPos, installed: s.installed }));
  const total = 12 + meta.length + s.snapshot.data.length;
  assert(total <= snapshotBytesMax, `snapshot of ${total} bytes over the limit`);
  const buf = Buffer.alloc(total);
  buf.writeUInt32LE(snapshotMagic, 0);
  buf.writeUInt32LE(meta.length, 8);
  meta.copy(buf, 12);
  buf.set(s.snapshot.data, 12 + meta.length);
  buf.writeUInt32LE(crc32c(buf.subarray(8)), 4);
  writeFileAtomic(fs, dir, snapshotFileName, buf);
}

/** The stored snapshot, null when there is none; throws if the file is damaged. */
export function loadSnapshotFile(fs: FileSystem, dir: string): StoredSnapshot | null {
  const path = `${dir}/${snapshotFileName}`;
  if (!fs.exists(path)) return null;
  const raw = readWholeFile(fs, path);
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (buf.length < 12 || buf.readUInt32LE(0) !== snapshotMagic) throw new Error(`${path}: bad magic`);
  if (crc32c(buf.subarray(8)) !== buf.readUInt32LE(4)) throw new Error(`${path}: checksum mismatch`);
  const metaLen = buf.readUInt32LE(8);
  if (12 + metaLen > buf.length) throw new Error(`${path}: bad meta length`);
  const m = JSON.parse(buf.subarray(12, 12 + metaLen).toString('utf8')) as {
    index: number; term: number; conf: Snapshot['meta']['conf']; endPos: number; installed: boolean;
  };
  const data = new Uint8Array(buf.subarray(12 + metaLen));
  return { snapshot: { meta: { index: m.index, term: m.term, conf: m.conf }, data }, endPos: m.endPos, installed: m.installed };
}
