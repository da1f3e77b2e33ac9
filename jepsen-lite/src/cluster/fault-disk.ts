// Disk faults on real nodes.
//
// power-loss: the cluster runs with testVolatileWrites, so a node's log and its store's
// ConsumeQueue files hold every write since their last fsync in process memory; kill -9 then
// loses exactly those writes, as a power cut loses the page cache: the log's unsynced tail, and
// every ConsumeQueue record written after the store's last checkpoint (the store reopens at
// that checkpoint and replays the log). Half the time (seeded) the harness then tears the last
// writes: it appends a strict prefix of a plausible next record to the newest segment, and of a
// few plausible next records to one queue's newest ConsumeQueue file, which recovery must cut.
// LevelDB (index, metadata, checkpoint record) still keeps its unsynced writes through the kill:
// it cannot be intercepted, and the store syncs every write its recovery reads (see the header
// of packages/store/src/store-state-machine.ts). What the broker acknowledged was fsynced on a
// quorum, so none of it may be lost.
//
// corrupt-minority: stop one follower, flip bits in the committed start of its oldest segment,
// start it: it must report itself disabled and never lead. Heal is the operator's repair:
// stop it, discard its log and store (keep the hard state: term and vote), start it, and it
// must catch up from the leader.

import path from 'node:path';
import { tearQueueTail } from '@ledgermq/store';
import { powerLossTearProbability } from './constants.ts';
import { FaultInjectionError } from './errors.ts';
import type { AppliedFault, FaultContext } from './fault-types.ts';
import { waitCaughtUp, waitForGroup, waitForNode, watchNeverLeads } from './node-checks.ts';

export async function applyPowerLoss({ c, rnd, leaderOrAny }: FaultContext): Promise<AppliedFault> {
  if (!c.volatileWrites) throw new FaultInjectionError('power-loss needs a cluster created with volatileWrites (else kill -9 keeps the page cache)');
  const nodes = c.nodeIds;
  const target = rnd.next() < 0.5 ? await leaderOrAny() : rnd.pick(nodes);
  const tear = rnd.next() < powerLossTearProbability;
  await c.kill(target);
  let detail = `power loss of ${target} (kill -9: unfsynced log and ConsumeQueue writes lost)`;
  if (tear) {
    const torn = c.tearLogTail(target, () => rnd.next());
    detail += torn === null ? '; nothing to tear' : `; torn last write: ${torn.keptBytes} of ${torn.recordBytes} bytes of a record for index ${torn.index} at ${torn.pos} in ${torn.segment}`;
    // The node is stopped (tearLogTail checked); its store sits beside its log (broker-node.ts).
    const tornQueue = tearQueueTail({ storeDir: path.join(path.dirname(c.raftDir(target)), 'store'), random: () => rnd.next() });
    detail += tornQueue === null ? '; no ConsumeQueue to tear' : `; torn ConsumeQueue write: ${tornQueue.keptBytes} of ${tornQueue.writeBytes} bytes at ${tornQueue.pos} in ${tornQueue.file}`;
  }
  let restarted: Promise<string | null> = Promise.resolve(null);
  return {
    targets: [target],
    detail,
    heal: async () => {
      c.startNode(target);
      // Recovery must cut the lost or torn tail and come back healthy, not call it corruption.
      restarted = waitForNode(c, target, 'back after the power loss (answering, not disabled)', (s) => s.disabled !== true);
    },
    expectations: async () => [await restarted].filter((v): v is string => v !== null),
  };
}

export async function applyCorruptMinority({ c, rnd }: FaultContext): Promise<AppliedFault> {
  // Only a group at full strength: with a node still restarting or catching up from an earlier
  // repair, one more damaged node would be a double fault, not a minority.
  const full = await waitForGroup(c, (st) =>
    st.size === c.nodeIds.length && [...st.values()].every((x) => x.disabled !== true) && [...st.values()].filter((x) => x.role === 'leader').length === 1);
  if (full === null) return { targets: [], detail: 'the group is not at full strength: nothing corrupted', heal: async () => {} };
  const followers = [...full.values()].filter((x) => x.role === 'follower').map((x) => String(x.id).split('/').pop()!).sort();
  if (followers.length === 0) return { targets: [], detail: 'no follower to corrupt: nothing done', heal: async () => {} };
  const victim = rnd.pick(followers);
  await c.kill(victim);
  const flipped = c.corruptLog(victim, () => rnd.next());
  c.startNode(victim);
  if (flipped === null) return { targets: [victim], detail: `${victim}: its oldest segment is too small to corrupt; restarted unchanged`, heal: async () => {} };
  const violations: string[] = [];
  const disabled = await waitForNode(c, victim, 'disabled (its log fails its checksums)', (s) => s.disabled === true);
  if (disabled !== null) violations.push(disabled);
  const watch = watchNeverLeads(c, victim);
  let caughtUp: Promise<string | null> = Promise.resolve(null);
  return {
    targets: [victim],
    detail: `${victim}: flipped ${flipped.flips.map((x) => `bit ${x.bit} of byte ${x.offset}`).join(', ')} in segment ${flipped.segment}`,
    heal: async () => {
      violations.push(...(await watch.stop()));
      // The operator's repair: stop, discard the damaged log and the store built from it, start.
      await c.kill(victim);
      const removed = c.discardLog(victim);
      if (!removed.includes('raft/segments')) violations.push(`${victim}: the repair found no segments to discard (removed: ${removed.join(', ') || 'nothing'})`);
      c.startNode(victim);
      caughtUp = waitCaughtUp(c, victim);
    },
    expectations: async () => [...violations, await caughtUp].filter((v): v is string => v !== null),
  };
}
