// RocketMQ's delay levels: a message whose `DELAY` property is level n (1-based) is delivered
// the n-th delay after it was sent. The broker key `messageDelayLevel` lists the delays
// (RocketMQ's default below: 18 levels); level 0 means no delay, a level past the last is the
// last (as RocketMQ does). A v2 client sets the property as a user property; a delivery
// timestamp, when the message also has one, wins.

import { ConfigError } from '@ledgermq/raft-node';
import { BadRequestError } from '../errors.ts';
import { Code } from '@ledgermq/protocol';

export const delayLevelProperty = 'DELAY';
export const messageDelayLevelDefault = '1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h';
export const delayLevelsMax = 64;

const unitMs: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `messageDelayLevel=1s 5s 10s …` into delays in ms. */
export function parseDelayLevels(text: string, key = 'messageDelayLevel'): number[] {
  const parts = text.trim().split(/\s+/).filter((p) => p !== '');
  if (parts.length === 0 || parts.length > delayLevelsMax) throw new ConfigError(`${key} must list 1..${delayLevelsMax} delays, got ${parts.length}`);
  return parts.map((p) => {
    const m = /^(\d{1,6})([smhd])$/.exec(p);
    if (m === null) throw new ConfigError(`${key}: "${p}" is not a delay like 10s, 5m, 2h or 1d`);
    return Number(m[1]) * unitMs[m[2]!]!;
  });
}

/** The delay a `DELAY` property asks for, in ms; null for level 0 (no delay). */
export function delayOfLevel(raw: string, levelsMs: readonly number[]): number | null {
  if (!/^\d{1,4}$/.test(raw)) throw new BadRequestError(`${delayLevelProperty} property "${raw}" is not a delay level (0..${levelsMs.length})`, Code.ILLEGAL_DELIVERY_TIME);
  const level = Number(raw);
  if (level === 0) return null;
  return levelsMs[Math.min(level, levelsMs.length) - 1]!;
}
