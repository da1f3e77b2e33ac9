import { describe, expect, it } from 'vitest';
import { BenchUsageError, parseBenchArgs, usageText } from './bench-cli.ts';

const cmd = {
  name: 'bench:test',
  usage: '  --seconds N   seconds per row (5)\n  --json FILE   write the rows\n  --keep        keep the data',
  flags: {
    seconds: { kind: 'integer', default: 5 },
    live: { kind: 'integer', default: 0, min: 0 },
    batch: { kind: 'integer' },
    json: { kind: 'string' },
    steps: { kind: 'string', default: 'a,b' },
    keep: { kind: 'boolean' },
  },
} as const;

describe('bench command lines', () => {
  it('fills defaults and reads each flag by its kind', () => {
    expect(parseBenchArgs(cmd, [])).toEqual({ seconds: 5, live: 0, batch: undefined, json: undefined, steps: 'a,b', keep: false });
    const all = ['--seconds', '12', '--json', 'out.json', '--keep', '--live', '0', '--steps=b', '--batch', '16'];
    expect(parseBenchArgs(cmd, all)).toEqual({ seconds: 12, live: 0, batch: 16, json: 'out.json', steps: 'b', keep: true });
  });

  it('refuses an unknown or misspelt flag, naming it', () => {
    expect(() => parseBenchArgs(cmd, ['--secs', '3'])).toThrow(BenchUsageError);
    expect(() => parseBenchArgs(cmd, ['--secs', '3'])).toThrow(/--secs/);
    expect(() => parseBenchArgs(cmd, ['stray'])).toThrow(BenchUsageError);
  });

  it('refuses a flag without its value', () => {
    expect(() => parseBenchArgs(cmd, ['--json'])).toThrow(/--json/);
  });

  it('refuses numbers that are not whole or below the minimum', () => {
    for (const bad of ['0', '-1', '2.5', 'five', '', '1e3', '9007199254740993']) {
      expect(() => parseBenchArgs(cmd, [`--seconds=${bad}`]), bad).toThrow(/--seconds must be a whole number of at least 1/);
    }
    expect(() => parseBenchArgs(cmd, ['--live=-1'])).toThrow(/at least 0/);
    // Separated, a negative number reads as a flag: still a usage error, in node:util's words.
    expect(() => parseBenchArgs(cmd, ['--seconds', '-1'])).toThrow(BenchUsageError);
  });

  it('has a usage text naming the script and its flags', () => {
    expect(usageText(cmd)).toBe(`usage: npm run bench:test [-- flags]\n${cmd.usage}`);
  });
});
