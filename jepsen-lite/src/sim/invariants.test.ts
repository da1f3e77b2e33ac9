import { describe, expect, it } from 'vitest';
import { InvariantViolation } from './errors.ts';
import { InvariantChecker } from './invariants.ts';
import type { EntryView } from './log-mirror.ts';

const nodes = ['a', 'b', 'c'];
const e = (index: number, term: number, key = `v${index}.${term}`): EntryView => ({ index, term, key });
const run = (f: (c: InvariantChecker) => void): string | null => {
  const c = new InvariantChecker(nodes, () => 0);
  try {
    f(c);
    return null;
  } catch (err) {
    if (err instanceof InvariantViolation) return err.invariant;
    throw err;
  }
};

describe('InvariantChecker', () => {
  it('accepts a healthy history', () => {
    expect(
      run((c) => {
        c.onLeader('a', 1);
        c.onLeader('a', 1);
        for (const n of nodes) c.onLogAppend(n, [e(1, 1), e(2, 1)]);
        c.onProposed('a', 2, 1, 'v2.1');
        for (const n of nodes) {
          c.onApplied(n, e(1, 1), 1);
          c.onApplied(n, e(2, 1), 1);
          c.onCommitIndex(n, 2);
        }
        // c missed term 2's entries and b's conflicting tail is replaced: legal, they were not applied.
        c.onLogAppend('b', [e(3, 1, 'x')]);
        c.onLeader('a', 2);
        c.onLogAppend('a', [e(3, 2)]);
        c.onLogAppend('b', [e(3, 2)]);
        c.checkAckedOnMajority(nodes, (n, i) => c.mirror(n).termAt(i) !== undefined);
      }),
    ).toBeNull();
  });

  it('election-safety: two leaders in one term', () => {
    expect(run((c) => { c.onLeader('a', 3); c.onLeader('b', 3); })).toBe('election-safety');
  });

  it('log-matching: same index and term with different content', () => {
    expect(run((c) => { c.onLogAppend('a', [e(1, 1, 'x')]); c.onLogAppend('b', [e(1, 1, 'y')]); })).toBe('log-matching');
  });

  it('log-matching: same (index, term) but different prefixes', () => {
    expect(
      run((c) => {
        c.onLogAppend('a', [e(1, 1), e(2, 2), e(3, 3)]);
        c.onLogAppend('b', [e(1, 1), e(2, 1)]);
        c.onLogAppend('b', [e(3, 3)]);
      }),
    ).toBe('log-matching');
  });

  it('log-terms-monotone: a term going backwards', () => {
    expect(run((c) => c.onLogAppend('a', [e(1, 2), e(2, 1)]))).toBe('log-terms-monotone');
  });

  it('leader-completeness: a leader without a committed entry', () => {
    expect(
      run((c) => {
        c.onLogAppend('a', [e(1, 1)]);
        c.onLogAppend('b', [e(1, 1)]);
        c.onApplied('a', e(1, 1), 1);
        c.onLeader('c', 2);
      }),
    ).toBe('leader-completeness');
    // Committed only in term 3 (seen applied by a node already in term 3): a stale leader of term 2 need not hold it.
    expect(
      run((c) => {
        c.onLogAppend('a', [e(1, 1)]);
        c.onApplied('a', e(1, 1), 3);
        c.onLeader('c', 2);
      }),
    ).toBeNull();
  });

  it('no-truncate-committed: rewriting or dropping an applied entry', () => {
    expect(
      run((c) => {
        c.onLogAppend('a', [e(1, 1), e(2, 1), e(3, 1)]);
        c.onApplied('a', e(1, 1), 1);
        c.onApplied('a', e(2, 1), 1);
        c.onLogAppend('a', [e(2, 2)]);
      }),
    ).toBe('no-truncate-committed');
    expect(
      run((c) => {
        c.onLogAppend('a', [e(1, 1), e(2, 1), e(3, 1)]);
        c.onApplied('a', e(1, 1), 1);
        c.onApplied('a', e(2, 1), 1);
        c.onLogAppend('a', [e(2, 1)]); // same entry again, but truncates index 3 — not applied, fine
      }),
    ).toBeNull();
  });

  it('state-machine-safety: different entries applied at one index, or a gap', () => {
    expect(run((c) => { c.onApplied('a', e(1, 1, 'x'), 1); c.onApplied('b', e(1, 1, 'y'), 1); })).toBe('state-machine-safety');
    expect(run((c) => c.onApplied('a', e(2, 1), 1))).toBe('state-machine-safety');
  });

  it('commit-monotone: commit index going back, but not across a restart', () => {
    expect(run((c) => { c.onCommitIndex('a', 5); c.onCommitIndex('a', 4); })).toBe('commit-monotone');
    expect(run((c) => { c.onCommitIndex('a', 5); c.onLogReset('a', 1, [], 0); c.onCommitIndex('a', 2); })).toBeNull();
  });

  it('leader-commit-term: a leader committing an earlier-term entry by counting replicas', () => {
    expect(
      run((c) => {
        c.onLogAppend('a', [e(1, 1), e(2, 1), e(3, 3)]);
        c.onCommitIndex('a', 1, 3); // carried over from follower days: fine
        c.onCommitIndex('a', 2, 3);
      }),
    ).toBe('leader-commit-term');
    expect(
      run((c) => {
        c.onLogAppend('a', [e(1, 1), e(2, 1), e(3, 3)]);
        c.onCommitIndex('a', 1, 3);
        c.onCommitIndex('a', 3, 3); // through its own no-op: fine
      }),
    ).toBeNull();
  });

  it('lost-ack: an acknowledged proposal replaced at its index', () => {
    expect(
      run((c) => {
        c.onProposed('a', 1, 1, 'p');
        c.onApplied('a', e(1, 1, 'p'), 1);
        expect(c.isAcked(1, 'p')).toBe(true);
        // b never saw a's entry: a different one commits there (the checker sees it as lost).
        c.onApplied('b', e(1, 2, 'q'), 1);
      }),
    ).toBe('lost-ack');
  });

  it('an accepted but never-committed proposal is not acknowledged', () => {
    expect(
      run((c) => {
        c.onProposed('a', 1, 1, 'p');
        c.onApplied('b', e(1, 2, 'q'), 1);
        c.onApplied('a', e(1, 2, 'q'), 1);
        expect(c.isAcked(1, 'p')).toBe(false);
        expect(c.stats.acked).toBe(0);
      }),
    ).toBeNull();
  });

  it('leader-commit-term: a leader committing an earlier-term entry by counting replicas', () => {
    expect(
      run((c) => {
        c.onLogAppend('a', [e(1, 1), e(2, 1), e(3, 3)]);
        c.onCommitIndex('a', 1, 3); // carried over from follower days: fine
        c.onCommitIndex('a', 2, 3);
      }),
    ).toBe('leader-commit-term');
    expect(
      run((c) => {
        c.onLogAppend('a', [e(1, 1), e(2, 1), e(3, 3)]);
        c.onCommitIndex('a', 1, 3);
        c.onCommitIndex('a', 3, 3); // through its own no-op: fine
      }),
    ).toBeNull();
  });

  it('lost-ack: an acknowledged proposal held by no majority at the end', () => {
    expect(
      run((c) => {
        c.onProposed('a', 1, 1, 'p');
        c.onApplied('a', e(1, 1, 'p'), 1);
        c.checkAckedOnMajority(nodes, (n) => n === 'a');
      }),
    ).toBe('lost-ack');
  });

  it('stale-read: a read index below what was committed when the read began', () => {
    expect(
      run((c) => {
        c.onApplied('b', e(1, 1), 1);
        c.onApplied('b', e(2, 1), 1);
        c.onReadStart(7, 'a', 1);
        c.onReadDone(7, 1, 31, 30);
      }),
    ).toBe('stale-read');
    expect(
      run((c) => {
        c.onApplied('b', e(1, 1), 1);
        c.onApplied('b', e(2, 1), 1);
        c.onReadStart(7, 'a', 1);
        c.onReadDone(7, 1, 12, 30); // inside the check-quorum window: counted, not failed
        expect(c.stats.staleReadsInWindow).toBe(1);
      }),
    ).toBeNull();
    expect(
      run((c) => {
        c.onReadStart(7, 'a', 1);
        c.onApplied('b', e(1, 1), 1); // committed after the read began: concurrent, may be missed
        c.onReadDone(7, 0, 100, 30);
      }),
    ).toBeNull();
  });

  it('check-quorum: a leader silent past the bound', () => {
    expect(run((c) => c.onLeaderSilence('a', 2, 31, 30))).toBe('check-quorum');
    expect(run((c) => c.onLeaderSilence('a', 2, 30, 30))).toBeNull();
  });
});
