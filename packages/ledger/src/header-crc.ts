// CRC32C (Castagnoli, the checksum of the segment format) of short byte runs: an entry's 36
// header bytes, checked once per entry read. For so few bytes the native call of @node-rs/crc32
// costs more than the work (measured here: ~176 ns per header against ~77 ns), so headers go
// through crc-32's pure-JS CRC32C (SheetJS, table-driven); bodies still use the native call,
// which wins from a few hundred bytes on. Same value either way (header-crc.test.ts).

import crc32cJs from 'crc-32/crc32c.js';

/** CRC32C of buf[start, end), as an unsigned 32-bit number. */
export function headerCrc(buf: Uint8Array, start: number, end: number): number {
  return crc32cJs.buf(buf.subarray(start, end)) >>> 0;
}
