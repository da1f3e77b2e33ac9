// Flag parsing shared by the admin commands (node:util parseArgs, mqadmin's short flags) and
// the values they turn into. Pure: no I/O.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { hostPort, UsageError, usageErrorOf } from '../usage-error.ts';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | undefined>;

export const namesrvDefault = '127.0.0.1:9876';

/** Every command takes these. */
export const commonOptions: OptionSpec = {
  namesrvAddr: { type: 'string', short: 'n' },
  json: { type: 'boolean' },
  'timeout-ms': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

export function parseCommandArgs(command: string, argv: readonly string[], options: OptionSpec): Values {
  try {
    const { values } = parseArgs({ args: [...argv], options: { ...commonOptions, ...options }, strict: true, allowPositionals: false });
    return values as Values;
  } catch (err) {
    throw usageErrorOf(new Error(`${command}: ${(err as Error).message}`));
  }
}

/** `-n host:port[;host:port]`, else $NAMESRV_ADDR, else 127.0.0.1:9876. The first is used. */
export function namesrvOf(values: Values, env: NodeJS.ProcessEnv = process.env): string {
  const raw = (values.namesrvAddr as string | undefined) ?? env.NAMESRV_ADDR ?? namesrvDefault;
  const first = raw.split(';').map((s) => s.trim()).find((s) => s !== '');
  if (first === undefined) throw new UsageError('-n needs host:port');
  return hostPort('-n', first);
}

export function required(values: Values, key: string, flag: string, command: string): string {
  const v = values[key];
  if (typeof v !== 'string' || v === '') throw new UsageError(`${command} needs ${flag}`);
  return v;
}

export function optionalString(values: Values, key: string): string | undefined {
  const v = values[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function intFlag(values: Values, key: string, flag: string, min: number, max: number): number | undefined {
  const raw = values[key];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (typeof raw !== 'string' || !/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${flag} must be a whole number in ${min}..${max}, got "${String(raw)}"`);
  }
  return n;
}

export function boolFlag(values: Values, key: string, flag: string): boolean | undefined {
  const raw = values[key];
  if (raw === undefined) return undefined;
  if (raw === 'true' || raw === true) return true;
  if (raw === 'false') return false;
  throw new UsageError(`${flag} must be true or false, got "${String(raw)}"`);
}

/**
 * A point in time: epoch milliseconds, `now`, or RocketMQ's `yyyy-MM-dd#HH:mm:ss:SSS`
 * (local time; `#HH:mm:ss:SSS` optional).
 */
export function parseTimestamp(raw: string, flag: string, nowMs: number = Date.now()): number {
  const s = raw.trim();
  if (s === 'now') return nowMs;
  if (/^\d+$/.test(s)) return Number(s);
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:#(\d{2}):(\d{2}):(\d{2})(?::(\d{3}))?)?$/.exec(s);
  if (m) {
    const [y, mo, d, h, mi, se, ms] = m.slice(1).map((x) => (x === undefined ? 0 : Number(x)));
    const t = new Date(y!, mo! - 1, d!, h!, mi!, se!, ms!).getTime();
    if (Number.isFinite(t)) return t;
  }
  throw new UsageError(`${flag} must be epoch ms, "now" or yyyy-MM-dd#HH:mm:ss:SSS, got "${raw}"`);
}

/** `-a +message.type=FIFO` (RocketMQ 5 topic attributes) -> the message type, if given. */
export function messageTypeAttribute(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const m = /^\+?message\.type=([A-Za-z]+)$/.exec(raw.trim());
  if (!m) throw new UsageError(`-a must be +message.type=NORMAL|FIFO|DELAY|TRANSACTION, got "${raw}"`);
  return m[1]!.toUpperCase();
}
