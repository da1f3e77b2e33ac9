import { describe, expect, it } from 'vitest';
import { formatReport } from './format.ts';
import { profiles } from './profiles.ts';
import { runSimulation, type SimReport } from './simulator.ts';

/** Seeds of the normal (no planted bug) simulation that CI runs on every `npm test`. */
const seedsPerNodeCount = 500;
/**
 * Vitest's limit for them. The loop is bounded by its count (every run by its steps), so it
 * cannot hang; no wall-clock assertion inside it, which a loaded machine failed (946 of 1,000
 * seeds in 100 s with the load at 10 on 2 cores).
 */
const seedsTimeoutMs = 900_000;
/**
 * Seeds of each aimed fault profile (3 nodes) per `npm test`: the normal profile spreads its
 * effort thin, and a power-loss bug went unseen by it (see the replayed seeds below).
 */
const seedsPerProfile = 60;
/** A failed run in one line plus its replay command, for an assertion's message. */
const failureLine = (r: SimReport) => `${r.violation?.message.split('\n')[0]}\n  replay: ${r.replay}`;

describe('deterministic simulation', () => {
  it('replays a seed exactly', () => {
    const a = runSimulation({ seed: 12345, nodes: 3 });
    const b = runSimulation({ seed: 12345, nodes: 3 });
    expect(a.stats).toEqual(b.stats);
    expect(a.trace).toEqual(b.trace);
    expect(a.simulatedMs).toBe(b.simulatedMs);
    const c = runSimulation({ seed: 12346, nodes: 3 });
    expect(c.trace).not.toEqual(a.trace);
  });

  it('makes progress under faults: elections, commits, acknowledged proposals, crashes', () => {
    const r = runSimulation({ seed: 7, nodes: 5 });
    expect(r.violation).toBeNull();
    expect(r.stats.leadersElected).toBeGreaterThan(0);
    expect(r.stats.acked).toBeGreaterThan(10);
    expect(r.stats.crashes + r.stats.partitions).toBeGreaterThan(0);
  });

  it('reports the seed and a one-line replay command', () => {
    const r = runSimulation({ seed: 3, nodes: 3, bug: 'skipVotePersist' });
    expect(r.replay).toBe('npm run sim -- --seed 3 --bug skipVotePersist');
    expect(runSimulation({ seed: 9, nodes: 5, steps: 10 }).replay).toBe('npm run sim -- --seed 9 --nodes 5 --steps 10');
    expect(formatReport(r)).toContain(r.ok ? 'OK seed 3' : 'replay: npm run sim -- --seed 3');
  });

  it('replays the power-loss seeds that found a truncation the ledger did not make durable', () => {
    // Found by a 4,000-seed power-loss campaign (--steps 400): a new leader's entries replaced
    // same-size old ones, a power loss kept a later new record while an earlier one reverted,
    // and two nodes agreed at an index but not below it. The lasting guard is the ledger's own
    // test (ledger-recovery.test.ts); these seeds stop reaching the bug if the schedule changes.
    const seeds = [45810280, 45810369, 45810394, 45810917, 45811100, 45811212, 45811427, 45811441, 45811992, 45813289];
    const failures = seeds.map((seed) => runSimulation({ seed, nodes: 3, steps: 400, profile: 'power-loss' })).filter((r) => !r.ok);
    expect(failures.map(failureLine)).toEqual([]);
  });

  it('replays the membership seeds that found a membership forgotten across a power loss', () => {
    // Found once the simulated disk lost the unfsynced commit hint as the real one does: a
    // node that had learned a membership change only through that hint woke up in an older
    // configuration, and a leader committed entries on a quorum of that stale configuration
    // (leader-completeness broken: 10 of these 12 seeds), or no node that knew it was a voter
    // could win (liveness). Fixed by fsyncing the hard state when a membership change takes
    // effect (Ready.mustSync). These seeds stop reaching the bug if the schedule changes; the
    // golden tests in raft-admin.test.ts are the lasting ones.
    const seeds = [14, 17, 172, 245, 268, 299, 315, 384, 446, 470, 475, 481];
    const failures = seeds.map((seed) => runSimulation({ seed, nodes: 3, profile: 'membership' })).filter((r) => !r.ok);
    expect(failures.map(failureLine)).toEqual([]);
  });

  it(`runs ${seedsPerProfile} seeds of every other fault profile with no violation`, () => {
    const aimed = Object.keys(profiles).filter((name) => name !== 'normal');
    expect(aimed.length).toBeGreaterThanOrEqual(5);
    const failures: SimReport[] = [];
    for (const profile of aimed) {
      for (let seed = 1; seed <= seedsPerProfile; seed++) {
        const r = runSimulation({ seed, nodes: 3, profile });
        if (!r.ok) failures.push(r);
      }
    }
    expect(failures.map(failureLine)).toEqual([]);
  }, seedsTimeoutMs);

  it(`runs ${2 * seedsPerNodeCount} seeds (3 and 5 nodes) with no violation`, () => {
    const started = performance.now();
    const failures: SimReport[] = [];
    let done = 0;
    for (const nodes of [3, 5]) {
      for (let seed = 1; seed <= seedsPerNodeCount; seed++) {
        const r = runSimulation({ seed, nodes });
        done++;
        if (!r.ok) failures.push(r);
      }
    }
    const secs = (performance.now() - started) / 1000;
    console.log(`sim: ${done} seeds in ${secs.toFixed(1)}s (${(done / secs).toFixed(1)} seeds/s), ${failures.length} violation(s)`);
    const summary = failures.map(failureLine).join('\n');
    expect(done).toBe(2 * seedsPerNodeCount);
    expect(failures, summary).toHaveLength(0);
  }, seedsTimeoutMs);
});
