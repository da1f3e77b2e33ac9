// clock-jump and membership faults.
//
// clock-jump: one node's wall clock (the broker's one clock seam: store timestamps, delays,
// transaction timeouts, receipt invisibility) jumps forwards by 30 s..10 min, then halfway
// through the fault back to as far behind, and is reset at heal. Raft does not read the wall
// clock (its timeouts count monotonic ticks), so no election may follow from it.
//
// membership: remove a node from the group through the leader's admin endpoint while the
// workload runs, then add it back at heal; the group must stay writable, and the node must
// catch up once it is a member again.

import { clockJumpMsMax, clockJumpMsMin, membershipAttemptsMax, membershipCallTimeoutMs, membershipRetryMs } from './constants.ts';
import { FaultInjectionError } from './errors.ts';
import type { JepsenCluster } from './cluster.ts';
import type { AppliedFault, FaultContext } from './fault-types.ts';
import { waitCaughtUp } from './node-checks.ts';

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function applyClockJump({ c, f, rnd, leaderOrAny }: FaultContext): Promise<AppliedFault> {
  if (!c.clockControl) throw new FaultInjectionError('clock-jump needs a cluster created with clockControl');
  // The leader's clock is the one that times receipts, timers and transactions: jump it half the time.
  const target = rnd.next() < 0.5 ? await leaderOrAny() : rnd.pick(c.nodeIds);
  const span = clockJumpMsMax - clockJumpMsMin;
  const forwardMs = clockJumpMsMin + Math.floor(rnd.next() * span);
  const backMs = -(clockJumpMsMin + Math.floor(rnd.next() * span));
  c.setClockOffset(target, forwardMs);
  const back = setTimeout(() => c.setClockOffset(target, backMs), Math.floor(f.durationMs / 2));
  return {
    targets: [target],
    detail: `${target}: wall clock +${forwardMs} ms, then ${backMs} ms halfway`,
    heal: async () => {
      clearTimeout(back);
      c.setClockOffset(target, 0);
    },
  };
}

/** Asks the current leader to remove or add `node`, retrying while it is busy or changing. */
async function changeMembership(c: JepsenCluster, action: 'add' | 'remove', node: string): Promise<{ by: string } | { error: string }> {
  let last = 'no leader';
  for (let i = 0; i < membershipAttemptsMax; i++) {
    const leader = await c.leader(5_000);
    if (leader !== null) {
      try {
        await c.node(leader).admin.changeMembership(action, node, '', membershipCallTimeoutMs);
        return { by: leader };
      } catch (err) {
        last = `${leader}: ${(err as Error).message}`;
      }
    }
    await sleep(membershipRetryMs);
  }
  return { error: `${action} ${node}: ${membershipAttemptsMax} attempts failed, last: ${last}` };
}

export async function applyMembership({ c, rnd }: FaultContext): Promise<AppliedFault> {
  const node = rnd.pick(c.nodeIds);
  const violations: string[] = [];
  const removed = await changeMembership(c, 'remove', node);
  if ('error' in removed) violations.push(removed.error);
  let caughtUp: Promise<string | null> = Promise.resolve(null);
  return {
    targets: [node],
    detail: 'error' in removed ? `remove ${node} failed: ${removed.error}` : `removed ${node} (through leader ${removed.by}); added back at heal`,
    heal: async () => {
      if ('error' in removed) return;
      const added = await changeMembership(c, 'add', node);
      if ('error' in added) {
        violations.push(added.error);
        return;
      }
      caughtUp = waitCaughtUp(c, node);
    },
    expectations: async () => [...violations, await caughtUp].filter((v): v is string => v !== null),
  };
}
