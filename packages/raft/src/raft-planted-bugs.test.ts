// The planted bugs the jepsen-lite cluster tier switches on (testPlantedBug): each one is
// shown doing the wrong thing here, next to the correct core doing the right thing.

import { describe, expect, it } from 'vitest';
import { TestCluster, text } from './testing/cluster.ts';
import { EntryType } from './types.ts';

describe('planted bugs used by the cluster tier', () => {
  it('ackBeforeCommit: an isolated leader commits (acknowledges) alone; the correct core does not', () => {
    for (const buggy of [false, true]) {
      const c = new TestCluster(['a', 'b', 'c'], { bugs: { ackBeforeCommit: buggy } });
      c.campaign('a');
      c.isolate('a');
      const { index } = c.raft('a').propose(text('x'));
      c.stabilize();
      const commit = c.raft('a').status().commit;
      if (buggy) expect(commit).toBe(index);
      else expect(commit).toBeLessThan(index);
      expect(c.node('a').applied.some((e) => e.index === index)).toBe(buggy);
    }
  });

  it('readUncommitted: an isolated leader hands out its entry for applying before it commits', () => {
    for (const buggy of [false, true]) {
      const c = new TestCluster(['a', 'b', 'c'], { bugs: { readUncommitted: buggy } });
      c.campaign('a');
      c.isolate('a');
      const { index } = c.raft('a').propose(text('x'));
      c.stabilize();
      const st = c.raft('a').status();
      expect(st.commit).toBeLessThan(index);
      expect(st.applied >= index).toBe(buggy);
      expect(c.node('a').applied.some((e) => e.index === index)).toBe(buggy);
    }
  });

  it('skipNoOp: a new leader appends no no-op and reports a read index at once', () => {
    for (const buggy of [false, true]) {
      const c = new TestCluster(['a', 'b', 'c'], { bugs: { skipNoOp: buggy } });
      c.campaign('a');
      const r = c.raft('a');
      expect(r.status().role).toBe('leader');
      const noOps = c.log('a').filter((e) => e.type === EntryType.NoOp).length;
      expect(noOps).toBe(buggy ? 0 : 1);
      // Correct: the read index is the no-op's commit (term 1). Buggy: whatever commit is, at once.
      if (buggy) expect(r.readIndex()).toBe(0);
      else expect(r.readIndex()).toBe(1);
      // Writes still commit with the bug (the next entry of the term commits the earlier ones).
      const { index } = r.propose(text('x'));
      c.stabilize();
      expect(r.status().commit).toBe(index);
    }
  });
});
