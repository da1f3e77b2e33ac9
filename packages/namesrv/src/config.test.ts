import { describe, expect, it } from 'vitest';
import { parseNamesrvArgs } from './config.ts';
import { NamesrvConfigError } from './errors.ts';

describe('parseNamesrvArgs', () => {
  it('applies RocketMQ defaults', () => {
    expect(parseNamesrvArgs([])).toEqual({
      help: false,
      config: { host: '0.0.0.0', port: 9876, expireMs: 120_000, scanIntervalMs: 10_000, logLevel: 'info' },
    });
  });

  it('reads every option', () => {
    const parsed = parseNamesrvArgs(['--host', '127.0.0.1', '-p', '0', '--expire-ms', '500', '--scan-interval-ms=50', '--log-level', 'debug']);
    expect(parsed).toEqual({ help: false, config: { host: '127.0.0.1', port: 0, expireMs: 500, scanIntervalMs: 50, logLevel: 'debug' } });
    expect(parseNamesrvArgs(['--help'])).toEqual({ help: true });
  });

  it.each([
    [['--port', 'x'], /--port must be a whole number/],
    [['--port', '70000'], /--port must be in 0..65535/],
    [['--expire-ms', '0'], /--expire-ms must be in 1\.\./],
    [['--log-level', 'loud'], /--log-level must be one of/],
    [['--what'], /Unknown option '--what'/],
    [['stray'], /positional/i],
  ])('refuses %j', (argv, message) => {
    expect(() => parseNamesrvArgs(argv)).toThrow(NamesrvConfigError);
    expect(() => parseNamesrvArgs(argv)).toThrow(message);
  });
});
