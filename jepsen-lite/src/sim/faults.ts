// The fault vocabulary and random fault schedules. A schedule is plain data (times in
// simulated ms, nodes by position), so fast-check can generate and shrink it and a report
// can print it.

import { assert } from './assert.ts';
import {
  partitionMaxMs,
  partitionMinMs,
  pauseMaxMs,
  pauseMinMs,
  restartDelayMaxMs,
  restartDelayMinMs,
} from './constants.ts';
import type { Prng } from './prng.ts';

/** A node by position in the node list, or whoever is leader when the fault fires. */
export type Target = number | 'leader';

export type FaultEvent =
  | { readonly atMs: number; readonly kind: 'crash'; readonly node: Target; readonly downMs: number; readonly tear: boolean }
  /** Power loss on several nodes at once (a rack goes dark): `count` nodes, the leader first. */
  | { readonly atMs: number; readonly kind: 'crash-many'; readonly count: number; readonly downMs: number; readonly tear: boolean }
  | { readonly atMs: number; readonly kind: 'pause'; readonly node: Target; readonly ms: number }
  /** The node's loop stops as in a pause, but a leader's beacon thread goes on (raft-node's leader-beacon). */
  | { readonly atMs: number; readonly kind: 'stall'; readonly node: Target; readonly ms: number }
  | { readonly atMs: number; readonly kind: 'isolate'; readonly node: Target; readonly ms: number }
  /** Symmetric split: the first `size` nodes of a rotation starting at `from` against the rest. */
  | { readonly atMs: number; readonly kind: 'split'; readonly from: number; readonly size: number; readonly ms: number }
  | { readonly atMs: number; readonly kind: 'one-way'; readonly from: Target; readonly to: number; readonly ms: number }
  | { readonly atMs: number; readonly kind: 'lossy'; readonly dropRate: number; readonly dupRate: number; readonly ms: number }
  | { readonly atMs: number; readonly kind: 'transfer'; readonly to: number }
  /** Snapshot the node's state machine and delete the log segments it covers. */
  | { readonly atMs: number; readonly kind: 'compact'; readonly node: Target }
  /** Remove a voter (never the leader) and add it back `ms` later. */
  | { readonly atMs: number; readonly kind: 'remove-add'; readonly node: number; readonly ms: number };

export type FaultKind = FaultEvent['kind'];

/** Relative weights of each fault kind, plus the mean gap between faults. */
export interface FaultMix {
  readonly meanGapMs: number;
  readonly weights: Readonly<Partial<Record<FaultKind, number>>>;
  /** Probability that a crash also tears the last write. */
  readonly tearRate: number;
  readonly downMaxMs: number;
  readonly partitionMaxMs: number;
}

export const defaultMix: FaultMix = {
  meanGapMs: 120,
  weights: { crash: 3, 'crash-many': 1, pause: 2, stall: 2, isolate: 2, split: 2, 'one-way': 1, lossy: 2, transfer: 1, 'remove-add': 1, compact: 2 },
  tearRate: 0.3,
  downMaxMs: restartDelayMaxMs,
  partitionMaxMs,
};

export function randomSchedule(prng: Prng, mix: FaultMix, nodeCount: number, durationMs: number): FaultEvent[] {
  assert(nodeCount >= 1 && durationMs >= 0, 'bad schedule bounds');
  const kinds = Object.entries(mix.weights).filter(([, w]) => (w ?? 0) > 0) as [FaultKind, number][];
  const total = kinds.reduce((s, [, w]) => s + w, 0);
  const out: FaultEvent[] = [];
  if (total === 0) return out;
  let t = prng.int(0, mix.meanGapMs);
  // Bounded: t grows by at least 1 each round.
  while (t < durationMs) {
    let r = prng.float() * total;
    let kind = kinds[0]![0];
    for (const [k, w] of kinds) {
      if (r < w) {
        kind = k;
        break;
      }
      r -= w;
    }
    out.push(randomFault(prng, mix, kind, t, nodeCount));
    t += 1 + prng.int(0, 2 * mix.meanGapMs);
  }
  return out;
}

function randomFault(prng: Prng, mix: FaultMix, kind: FaultKind, atMs: number, n: number): FaultEvent {
  const target = (): Target => (prng.chance(0.4) ? 'leader' : prng.int(0, n - 1));
  const partMs = () => prng.int(partitionMinMs, Math.max(partitionMinMs, mix.partitionMaxMs));
  const downMs = () => prng.int(restartDelayMinMs, Math.max(restartDelayMinMs, mix.downMaxMs));
  switch (kind) {
    case 'crash':
      return { atMs, kind, node: target(), downMs: downMs(), tear: prng.chance(mix.tearRate) };
    case 'crash-many':
      return { atMs, kind, count: prng.int(Math.floor(n / 2) + 1, n), downMs: downMs(), tear: prng.chance(mix.tearRate) };
    case 'pause':
    case 'stall':
      return { atMs, kind, node: target(), ms: prng.int(pauseMinMs, pauseMaxMs) };
    case 'isolate':
      return { atMs, kind, node: target(), ms: partMs() };
    case 'split':
      return { atMs, kind, from: prng.int(0, n - 1), size: prng.int(1, Math.max(1, Math.floor(n / 2))), ms: partMs() };
    case 'one-way':
      return { atMs, kind, from: target(), to: prng.int(0, n - 1), ms: partMs() };
    case 'lossy':
      return { atMs, kind, dropRate: prng.int(0, 30) / 100, dupRate: prng.int(0, 30) / 100, ms: partMs() };
    case 'transfer':
      return { atMs, kind, to: prng.int(0, n - 1) };
    case 'compact':
      return { atMs, kind, node: target() };
    case 'remove-add':
      return { atMs, kind, node: prng.int(0, n - 1), ms: prng.int(100, 600) };
  }
}

export function describeFault(f: FaultEvent, withTime = true): string {
  const { atMs, kind, ...rest } = f;
  return `${withTime ? `t=${atMs} ` : ''}${kind} ${JSON.stringify(rest)}`;
}
