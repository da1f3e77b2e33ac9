// Small state files (meta, hard state) as 4-byte CRC32C + UTF-8 JSON, replaced atomically.

import { crc32c } from '@node-rs/crc32';
import { smallFileBytesMax } from './constants.ts';
import type { FileSystem } from './fs/file-system.ts';
import { readWholeFile, writeFileAtomic, writeWholeFile } from './fs/file-system.ts';

export function encodeCheckedJson(value: unknown): Buffer {
  const json = Buffer.from(JSON.stringify(value), 'utf8');
  const buf = Buffer.alloc(4 + json.length);
  json.copy(buf, 4);
  buf.writeUInt32LE(crc32c(json), 0);
  return buf;
}

/** The parsed value, `undefined` if the file is missing, or throws if it fails its CRC. */
export function readCheckedJson(fs: FileSystem, dir: string, name: string): unknown {
  const path = `${dir}/${name}`;
  if (!fs.exists(path)) return undefined;
  const raw = readWholeFile(fs, path);
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (buf.length < 4 || buf.length > smallFileBytesMax) throw new Error(`${path}: bad length ${buf.length}`);
  const json = buf.subarray(4);
  if (crc32c(json) !== buf.readUInt32LE(0)) throw new Error(`${path}: checksum mismatch`);
  return JSON.parse(json.toString('utf8'));
}

/**
 * Replaces the file through a temp file and a rename, without any fsync: for files that only
 * ever name durable state, so any version a crash leaves is safe (a torn one fails its CRC).
 */
export function replaceCheckedJsonUnsynced(fs: FileSystem, dir: string, name: string, value: unknown): void {
  const tmp = `${dir}/${name}.tmp`;
  writeWholeFile(fs, tmp, encodeCheckedJson(value));
  fs.rename(tmp, `${dir}/${name}`);
}

export function writeCheckedJson(fs: FileSystem, dir: string, name: string, value: unknown): void {
  writeFileAtomic(fs, dir, name, encodeCheckedJson(value));
}
