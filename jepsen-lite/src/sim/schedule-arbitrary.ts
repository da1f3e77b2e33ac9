// fast-check arbitraries for fault schedules, so that a failing schedule shrinks to the
// few faults that matter.

import fc from 'fast-check';
import type { FaultEvent, Target } from './faults.ts';

export function targetArb(nodeCount: number): fc.Arbitrary<Target> {
  return fc.oneof(fc.constant('leader' as const), fc.integer({ min: 0, max: nodeCount - 1 }));
}

export function faultArb(nodeCount: number, durationMs: number): fc.Arbitrary<FaultEvent> {
  const at = fc.integer({ min: 0, max: Math.max(0, durationMs - 1) });
  const node = fc.integer({ min: 0, max: nodeCount - 1 });
  const ms = fc.integer({ min: 20, max: 1500 });
  const target = targetArb(nodeCount);
  return fc.oneof(
    fc.record({ atMs: at, kind: fc.constant('crash' as const), node: target, downMs: ms, tear: fc.boolean() }),
    fc.record({ atMs: at, kind: fc.constant('crash-many' as const), count: fc.integer({ min: 1, max: nodeCount }), downMs: ms, tear: fc.boolean() }),
    fc.record({ atMs: at, kind: fc.constant('pause' as const), node: target, ms }),
    fc.record({ atMs: at, kind: fc.constant('stall' as const), node: target, ms }),
    fc.record({ atMs: at, kind: fc.constant('isolate' as const), node: target, ms }),
    fc.record({ atMs: at, kind: fc.constant('split' as const), from: node, size: fc.integer({ min: 1, max: Math.floor(nodeCount / 2) }), ms }),
    fc.record({ atMs: at, kind: fc.constant('one-way' as const), from: target, to: node, ms }),
    fc.record({ atMs: at, kind: fc.constant('lossy' as const), dropRate: fc.integer({ min: 0, max: 40 }).map((x) => x / 100), dupRate: fc.integer({ min: 0, max: 40 }).map((x) => x / 100), ms }),
    fc.record({ atMs: at, kind: fc.constant('transfer' as const), to: node }),
    fc.record({ atMs: at, kind: fc.constant('compact' as const), node: target }),
  );
}

/** A schedule: fault events sorted by time (the order the simulator applies them in anyway). */
export function scheduleArb(nodeCount: number, durationMs: number, maxLength = 12): fc.Arbitrary<FaultEvent[]> {
  return fc.array(faultArb(nodeCount, durationMs), { maxLength }).map((fs) => [...fs].sort((a, b) => a.atMs - b.atMs));
}
