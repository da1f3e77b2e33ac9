import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { clockOffsetMsMax } from './constants.ts';
import { parseClockOffset, WallClock, watchClockOffsetFile } from './wall-clock.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'ledgermq-wall-clock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function until(what: string, cond: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('WallClock', () => {
  it('is Date.now() plus its offset', () => {
    const c = new WallClock();
    const before = Date.now();
    c.setOffset(-600_000);
    const t = c.now();
    expect(t).toBeGreaterThanOrEqual(before - 600_000);
    expect(t).toBeLessThanOrEqual(Date.now() - 600_000);
    expect(() => c.setOffset(clockOffsetMsMax + 1)).toThrow(/outside/);
    expect(() => c.setOffset(1.5)).toThrow(/outside/);
  });

  it('parses the offset file strictly', () => {
    expect(parseClockOffset(' 30000\n')).toBe(30_000);
    expect(parseClockOffset('-600000')).toBe(-600_000);
    expect(parseClockOffset('')).toBe(0);
    expect(parseClockOffset('30s')).toMatch(/not an integer/);
    expect(parseClockOffset(String(clockOffsetMsMax + 1))).toMatch(/outside/);
  });

  it('follows the file; a bad file keeps the last offset; a removed file means no offset', async () => {
    const file = path.join(dir, 'offset');
    const c = new WallClock();
    const errors: string[] = [];
    const log = Object.assign(pino({ level: 'silent' }), { error: (m: string) => void errors.push(m) });
    const stop = watchClockOffsetFile(c, file, log);
    try {
      expect(c.offset).toBe(0);
      writeFileSync(file, '45000');
      await until('offset 45000', () => c.offset === 45_000);
      writeFileSync(file, 'garbage');
      await until('the bad file to be reported', () => errors.length > 0);
      expect(errors[0]).toMatch(/not an integer.*kept at 45000 ms/);
      expect(c.offset).toBe(45_000);
      writeFileSync(file, '-30000');
      await until('offset -30000', () => c.offset === -30_000);
      rmSync(file);
      await until('offset 0', () => c.offset === 0);
    } finally {
      stop();
    }
  });
});
