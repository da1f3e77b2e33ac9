import { describe, expect, it } from 'vitest';
import { FaultFileSystem } from './fs/fault-file-system.ts';
import { commitHintFileName } from './hard-state-file.ts';
import { makeEntries, openTest } from './test-helpers.ts';

const small = { segmentBytes: 8192 };

describe('commit hint (saved without fsync)', () => {
  it('survives a clean reopen and is merged into the hard state', () => {
    const fs = new FaultFileSystem();
    const l = openTest(fs, small);
    l.append(makeEntries(1, 20, 1, 100));
    l.sync();
    l.saveHardState({ term: 1, vote: 'n0', commit: 5 });
    l.saveCommitHint(18);
    l.close();
    expect(openTest(fs, small).hardState()).toEqual({ term: 1, vote: 'n0', commit: 18 });
  });

  it('a power loss may lose it, never the term and vote, and never leaves a hint past the log', () => {
    const fs = new FaultFileSystem();
    const l = openTest(fs, small);
    l.append(makeEntries(1, 20, 1, 100));
    l.sync();
    l.saveHardState({ term: 2, vote: 'n1', commit: 5 });
    l.saveCommitHint(20);
    fs.crash();
    const r = openTest(fs, small);
    expect(r.hardState().term).toBe(2);
    expect(r.hardState().vote).toBe('n1');
    // The hint file was never fsynced (nor its directory after it was created): it is gone.
    expect(r.hardState().commit).toBe(5);
    expect(r.hardState().commit).toBeLessThanOrEqual(r.lastIndex());
  });

  it('a torn hint file is ignored (the hard state commit stands)', () => {
    const fs = new FaultFileSystem();
    const l = openTest(fs, small);
    l.append(makeEntries(1, 10, 1, 100));
    l.sync();
    l.saveHardState({ term: 1, vote: null, commit: 4 });
    l.saveCommitHint(9);
    l.close();
    const dir = '/data/n1'; // openTest's directory
    const fd = fs.open(`${dir}/${commitHintFileName}`, 'rw');
    fs.truncate(fd, 6);
    fs.close(fd);
    expect(openTest(fs, small).hardState().commit).toBe(4);
  });

  it('refuses a hint beyond what is durable', () => {
    const fs = new FaultFileSystem();
    const l = openTest(fs, small);
    l.append(makeEntries(1, 10, 1, 100));
    expect(() => l.saveCommitHint(10)).toThrow(/beyond the durable index/);
  });
});
