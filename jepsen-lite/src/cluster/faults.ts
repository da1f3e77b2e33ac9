// The fault vocabulary of the cluster tier, the seeded schedule (pure) and the injector (I/O).

import { calmDurationMsDefault, faultDurationMsDefault, killAllDurationMs, warmupMs } from './constants.ts';
import { brokerName, type JepsenCluster } from './cluster.ts';
import { checkFaultsForNodes, type FaultName } from './fault-names.ts';
import type { AppliedFault, FaultContext, PlannedFault } from './fault-types.ts';
import { applyClockJump, applyMembership } from './fault-clock-membership.ts';
import { applyCorruptMinority, applyPowerLoss } from './fault-disk.ts';
import { SeededRandom } from './prng.ts';

export { checkFaultsForNodes, faultsFor, fiveNodeFaults, implementedFaults, parseFaults, type FaultName } from './fault-names.ts';
export type { AppliedFault, FaultContext, PlannedFault } from './fault-types.ts';

export interface ScheduleOptions {
  readonly faults: readonly FaultName[];
  readonly timeMs: number;
  readonly seed: number;
  readonly faultMs?: number;
  readonly calmMs?: number;
}

/**
 * Warm-up, then fault / calm cycles until the workload time is over; each cycle's fault is
 * drawn from `faults` with the seed; the fault and calm lengths get ±20 % seeded jitter. The last
 * fault heals before the workload ends. Pure.
 */
export function planSchedule(o: ScheduleOptions): PlannedFault[] {
  const rnd = new SeededRandom(o.seed);
  const out: PlannedFault[] = [];
  let t = warmupMs;
  const cyclesMax = 1_000;
  for (let i = 0; i < cyclesMax; i++) {
    const name = o.faults.length === 1 ? o.faults[0]! : rnd.pick(o.faults);
    const base = name === 'kill-all' ? killAllDurationMs : (o.faultMs ?? faultDurationMsDefault);
    const dur = Math.round(base * (0.8 + 0.4 * rnd.next()));
    const calm = Math.round((o.calmMs ?? calmDurationMsDefault) * (0.8 + 0.4 * rnd.next()));
    const pick = rnd.int(0, 1_000_000);
    if (t + dur + calm > o.timeMs) break; // a full calm period after the last heal, so recovery is measurable
    out.push({ name, atMs: t, durationMs: dur, pick });
    t += dur + calm;
  }
  return out;
}

/** Applies one fault to the cluster now. */
export async function applyFault(c: JepsenCluster, f: PlannedFault): Promise<AppliedFault> {
  const nodes = c.nodeIds;
  const rnd = new SeededRandom(f.pick);
  const minoritySize = Math.floor((nodes.length - 1) / 2);
  const leaderOrAny = async (): Promise<string> => (await c.leader(2_000)) ?? rnd.pick(nodes);
  const restart = (ids: string[]) => async () => {
    for (const id of ids) c.startNode(id);
  };
  const ctx = { c, f, rnd, leaderOrAny };
  switch (f.name) {
    case 'kill': {
      const n = rnd.pick(nodes);
      await c.kill(n);
      return { targets: [n], detail: `kill -9 ${n}`, heal: restart([n]) };
    }
    case 'kill-leader': {
      const n = await leaderOrAny();
      await c.kill(n);
      return { targets: [n], detail: `kill -9 leader ${n}`, heal: restart([n]) };
    }
    case 'kill-minority': {
      const ns = rnd.sample(nodes, minoritySize);
      await Promise.all(ns.map((n) => c.kill(n)));
      return { targets: ns, detail: `kill -9 ${ns.join(' ')}`, heal: restart(ns) };
    }
    case 'kill-all': {
      await Promise.all(nodes.map((n) => c.kill(n)));
      return { targets: [...nodes], detail: 'kill -9 every node', heal: restart([...nodes]) };
    }
    case 'pause':
    case 'pause-leader': {
      const n = f.name === 'pause' ? rnd.pick(nodes) : await leaderOrAny();
      c.pause(n);
      return { targets: [n], detail: `SIGSTOP ${n}`, heal: async () => c.resume(n) };
    }
    case 'stall-leader': {
      // Only the leader's main thread stops (a flood, a long GC), for a seeded 0.5 s up to the
      // whole fault; its beacon thread goes on. Shorter than the beacon vouches for (2 s), the
      // leader should stay; longer, it is replaced as if paused. The stall ends by itself.
      const n = await leaderOrAny();
      const ms = rnd.int(500, Math.max(500, f.durationMs));
      c.stallMainThread(n, ms);
      return { targets: [n], detail: `stall the main thread of ${n} for ${ms} ms (its beacon thread goes on)`, heal: async () => {} };
    }
    case 'partition-leader': {
      const n = await leaderOrAny();
      const links = await c.net.partition({ kind: 'isolate', node: n });
      // With client proxies (--proxy-clients) its clients are cut off it too.
      const clientsCut = (await c.net.isolateClients(n)) ? ', and from its clients' : '';
      return { targets: [n], detail: `isolate ${n} (${links.length} links blackholed${clientsCut})`, heal: () => c.net.heal() };
    }
    case 'partition-halves': {
      const minority = rnd.sample(nodes, minoritySize);
      const links = await c.net.partition({ kind: 'halves', minority });
      return { targets: minority, detail: `minority {${minority.join(' ')}} | majority (${links.length} links blackholed)`, heal: () => c.net.heal() };
    }
    case 'partition-oneway': {
      const n = await leaderOrAny();
      const links = await c.net.partition({ kind: 'oneway', from: n });
      return { targets: [n], detail: `${c.net.onewayDetail(n)} (${links.length} links)`, heal: () => c.net.heal() };
    }
    case 'delay':
      return { targets: [...nodes], detail: await c.net.delay(), heal: () => c.net.heal() };
    case 'loss':
      return { targets: [...nodes], detail: await c.net.loss(), heal: () => c.net.heal() };
    case 'partition-ring': {
      checkFaultsForNodes([f.name], nodes.length);
      const order = rnd.sample(nodes, nodes.length);
      const links = await c.net.partition({ kind: 'ring', order });
      return { targets: order, detail: `ring ${order.join('-')}-${order[0]}: each node reaches only its two neighbours (${links.length} links blackholed)`, heal: () => c.net.heal() };
    }
    case 'bridge': {
      checkFaultsForNodes([f.name], nodes.length);
      const [bridge, ...rest] = rnd.sample(nodes, nodes.length);
      const half = Math.floor(rest.length / 2);
      const sides = [rest.slice(0, half), rest.slice(half)] as const;
      const links = await c.net.partition({ kind: 'bridge', bridge: bridge!, sides });
      return { targets: [bridge!], detail: `{${sides[0].join(' ')}} | {${sides[1].join(' ')}}, only ${bridge} reaches both (${links.length} links blackholed)`, heal: () => c.net.heal() };
    }
    case 'pause-kill': {
      // Pause the leader (it still believes it leads), kill -9 another node. On five nodes a
      // majority stays; on three the group waits for the heal, and must lose nothing either way.
      const paused = await leaderOrAny();
      const killed = rnd.pick(nodes.filter((n) => n !== paused));
      c.pause(paused);
      await c.kill(killed);
      return {
        targets: [paused, killed],
        detail: `SIGSTOP leader ${paused}, kill -9 ${killed}`,
        heal: async () => {
          c.resume(paused);
          c.startNode(killed);
        },
      };
    }
    case 'partition-kill':
      return applyPartitionKill(ctx);
    case 'power-loss':
      return applyPowerLoss(ctx);
    case 'corrupt-minority':
      return applyCorruptMinority(ctx);
    case 'clock-jump':
      return applyClockJump(ctx);
    case 'membership':
      return applyMembership(ctx);
  }
}

/**
 * Isolate the leader, then kill -9 one more node such that a connected majority stays alive:
 * on five nodes a follower of the majority side (three remain: exactly a quorum); on three the
 * isolated old leader itself, once the other two elected a new one (or after half the fault).
 */
async function applyPartitionKill({ c, f, rnd, leaderOrAny }: FaultContext): Promise<AppliedFault> {
  const nodes = c.nodeIds;
  const isolated = await leaderOrAny();
  const links = await c.net.partition({ kind: 'isolate', node: isolated });
  let killed: string;
  if (nodes.length >= 5) {
    killed = rnd.pick(nodes.filter((n) => n !== isolated));
  } else {
    await c.local.waitForLeader(brokerName, { excluding: isolated, timeoutMs: Math.max(500, Math.floor(f.durationMs / 2)) }).catch(() => null);
    killed = isolated;
  }
  await c.kill(killed);
  return {
    targets: [isolated, killed],
    detail: `isolate leader ${isolated} (${links.length} links blackholed), kill -9 ${killed}`,
    heal: async () => {
      await c.net.heal();
      c.startNode(killed);
    },
  };
}
