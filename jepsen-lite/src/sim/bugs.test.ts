// The checker must be shown to fail: each planted bug of the core is hunted with its fault
// mix until some invariant catches it, within a bounded number of seeds.

import { describe, expect, it } from 'vitest';
import { bugNames, type BugName } from './profiles.ts';
import { runSimulation } from './simulator.ts';

const seedsMax = 200;

/** The invariants each bug is expected to break (any of them counts; an exception does not). */
const expected: Record<BugName, string[]> = {
  commitEarlierTerms: ['leader-commit-term', 'leader-completeness', 'state-machine-safety', 'lost-ack', 'log-matching'],
  skipVotePersist: ['election-safety', 'log-matching', 'leader-completeness', 'state-machine-safety', 'lost-ack'],
  disableCheckQuorum: ['check-quorum', 'stale-read'],
  ackBeforeFsync: ['leader-completeness', 'state-machine-safety', 'lost-ack', 'log-matching', 'no-truncate-committed'],
  truncateCommitted: ['no-truncate-committed', 'commit-monotone', 'state-machine-safety', 'leader-completeness', 'lost-ack', 'log-matching'],
};

describe('planted bugs are caught', () => {
  for (const bug of bugNames) {
    it(`${bug} is caught within ${seedsMax} seeds`, () => {
      let found: { seed: number; invariant: string; message: string; replay: string } | null = null;
      let tried = 0;
      const other: string[] = [];
      for (let seed = 1; seed <= seedsMax && found === null; seed++) {
        tried++;
        const r = runSimulation({ seed, nodes: 3, bug });
        if (!r.violation) continue;
        // Only the safety invariants this bug breaks count; a liveness failure or an exception is not proof.
        if (expected[bug].includes(r.violation.invariant)) {
          found = { seed, invariant: r.violation.invariant, message: r.violation.message.split('\n')[0] ?? '', replay: r.replay };
        } else {
          other.push(`${r.violation.invariant} (${r.replay})`);
        }
      }
      expect(found, `no expected violation in ${tried} seeds; others: ${other.join(', ')}`).not.toBeNull();
      console.log(`${bug}: caught after ${tried} seed(s) by [${found?.invariant}] — ${found?.replay}${other.length ? `; also saw ${other.join(', ')}` : ''}`);
    });
  }
});
