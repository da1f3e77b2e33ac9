import { describe, expect, it } from 'vitest';
import { ProposalTracker } from './proposal-tracker.ts';

describe('proposal tracker', () => {
  it('resolves a proposal committed with its own term', async () => {
    const t = new ProposalTracker(10);
    const p = t.wait(5, 2, Number.MAX_SAFE_INTEGER);
    t.applied(5, 2);
    await expect(p).resolves.toEqual({ index: 5, term: 2 });
    expect(t.size).toBe(0);
  });

  it('drops a proposal whose index was committed with another term', async () => {
    const t = new ProposalTracker(10);
    const p = t.wait(5, 2, Number.MAX_SAFE_INTEGER);
    t.applied(5, 3);
    await expect(p).rejects.toMatchObject({ code: 'DROPPED', retriable: true });
  });

  it('times out with an unknown-outcome error, and is bounded', async () => {
    const t = new ProposalTracker(2);
    const a = t.wait(1, 1, 100);
    const b = t.wait(2, 1, 200);
    expect(() => t.checkCapacity()).toThrow(/more than 2 proposals pending/);
    t.expire(150);
    await expect(a).rejects.toMatchObject({ code: 'TIMEOUT' });
    t.failAll();
    await expect(b).rejects.toMatchObject({ code: 'STOPPED' });
  });

  it('fails every waiting proposal at once, as an unknown outcome, when the node stops leading', async () => {
    const t = new ProposalTracker(10);
    const a = t.wait(7, 3, Number.MAX_SAFE_INTEGER);
    const b = t.wait(8, 3, Number.MAX_SAFE_INTEGER);
    t.leadershipLost();
    await expect(a).rejects.toMatchObject({ code: 'LOST', retriable: true, message: expect.stringContaining('entry 7 of term 3') });
    await expect(b).rejects.toMatchObject({ code: 'LOST' });
    expect(t.size).toBe(0);
    t.applied(7, 3); // committed later by the next leader: nobody is waiting any more
  });
});
