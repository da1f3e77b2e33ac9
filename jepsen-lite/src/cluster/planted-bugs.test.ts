// Planted-bug names. The real-cluster runs that must FAIL (one per bug, ~5 min in all) are the
// manual command `npm run jepsen:planted` (planted-main.ts): CI's budget holds the fault suite
// (test/jepsen-ci-suite.test.ts), not these too.

import { describe, expect, it } from 'vitest';
import { exposures, parsePlantedBug, plantedBugs } from './planted-bugs.ts';


describe('planted bug names', () => {
  it('are the node runtime\'s, and anything else is refused', () => {
    expect([...plantedBugs]).toEqual(['ack-before-commit', 'read-uncommitted', 'skip-noop']);
    expect(Object.keys(exposures).sort()).toEqual([...plantedBugs].sort());
    expect(parsePlantedBug(undefined)).toBeNull();
    expect(parsePlantedBug('skip-noop')).toBe('skip-noop');
    expect(() => parsePlantedBug('lose-all')).toThrow(/--planted-bug must be one of ack-before-commit, read-uncommitted, skip-noop/);
  });
});
