// fast-check generates fault schedules, the simulator applies them, and a failing schedule
// is shrunk to the faults that matter and printed.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tickMs } from './constants.ts';
import { describeFault, type FaultEvent } from './faults.ts';
import { scheduleArb } from './schedule-arbitrary.ts';
import { runSimulation } from './simulator.ts';

const steps = 120;

describe('fault schedules from fast-check', () => {
  it('no generated schedule breaks an invariant of the correct core', () => {
    fc.assert(
      fc.property(scheduleArb(3, steps * tickMs), fc.integer({ min: 0, max: 1_000_000 }), (schedule, seed) => {
        const r = runSimulation({ seed, nodes: 3, steps, schedule });
        if (!r.ok) throw new Error(`${r.violation?.message.split('\n')[0]}\n  replay seed ${seed} with schedule:\n${schedule.map((f) => `    ${describeFault(f)}`).join('\n')}`);
      }),
      { numRuns: 40, seed: 20261124 },
    );
  });

  it('shrinks a schedule that exposes a planted bug down to the fault that matters', () => {
    const seed = 42;
    const result = fc.check(
      fc.property(scheduleArb(3, steps * tickMs), (schedule) => runSimulation({ seed, nodes: 3, steps, schedule, bug: 'disableCheckQuorum' }).ok),
      { numRuns: 200, seed: 7 },
    );
    expect(result.failed).toBe(true);
    const [shrunk] = result.counterexample as [FaultEvent[]];
    console.log(`disableCheckQuorum: shrunk to ${shrunk.length} fault(s) after ${result.numShrinks} shrinks:\n${shrunk.map((f) => `  ${describeFault(f)}`).join('\n')}`);
    // Nothing but a leader cut off from its quorum can show this bug: the shrunk schedule is that alone.
    expect(shrunk.length).toBeLessThanOrEqual(2);
    expect(shrunk.some((f) => f.kind === 'isolate' || f.kind === 'split' || f.kind === 'one-way' || f.kind === 'pause' || f.kind === 'crash-many' || f.kind === 'crash')).toBe(true);
    const replay = runSimulation({ seed, nodes: 3, steps, schedule: shrunk, bug: 'disableCheckQuorum' });
    expect(replay.violation?.invariant).toBe('check-quorum');
    // Without the bug the same schedule is fine.
    expect(runSimulation({ seed, nodes: 3, steps, schedule: shrunk, profile: 'stale-leader' }).ok).toBe(true);
  });
});
