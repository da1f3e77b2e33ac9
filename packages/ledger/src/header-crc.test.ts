import { crc32c } from '@node-rs/crc32';
import { describe, expect, it } from 'vitest';
import { headerCrc } from './header-crc.ts';
import { seededRandom } from './fs/fault-file-system.ts';

describe('headerCrc (crc-32 CRC32C)', () => {
  it('agrees with the native CRC32C on the known vector and on random runs', () => {
    expect(headerCrc(Buffer.from('123456789'), 0, 9)).toBe(0xe3069283);
    const rnd = seededRandom(7);
    const buf = Buffer.alloc(300);
    for (let i = 0; i < buf.length; i++) buf[i] = Math.floor(rnd() * 256);
    for (let start = 0; start < 50; start += 7) {
      for (const n of [0, 1, 39, 40, 41, 250]) {
        expect(headerCrc(buf, start, start + n), `[${start}, +${n})`).toBe(crc32c(buf.subarray(start, start + n)));
      }
    }
  });
});
