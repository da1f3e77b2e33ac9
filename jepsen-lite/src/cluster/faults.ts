// The fault vocabulary of the cluster tier, the seeded schedule (pure) and the injector (I/O).

import { calmDurationMsDefault, delayFaultJitterMsDefault, delayFaultMsDefault, faultDurationMsDefault, killAllDurationMs, lossFaultCloseProbabilityDefault, warmupMs } from './constants.ts';
import { FaultNotImplementedError, UnknownFaultError } from './errors.ts';
import type { JepsenCluster } from './cluster.ts';
import { SeededRandom } from './prng.ts';
import { passRule } from './tcp-proxy.ts';

export const implementedFaults = [
  'kill',
  'kill-leader',
  'kill-minority',
  'kill-all',
  'pause',
  'pause-leader',
  'partition-leader',
  'partition-halves',
  'partition-oneway',
  'delay',
  'loss',
] as const;
export type FaultName = (typeof implementedFaults)[number];

/** In the vocabulary of issue 5, not built yet. */
export const plannedFaults = ['power-loss', 'corrupt-minority', 'clock-jump', 'membership', 'partition-ring', 'bridge', 'pause-kill', 'partition-kill'] as const;

export function parseFaults(text: string): FaultName[] {
  const names = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 0) throw new UnknownFaultError('', implementedFaults);
  return names.map((n) => {
    if ((implementedFaults as readonly string[]).includes(n)) return n as FaultName;
    if ((plannedFaults as readonly string[]).includes(n)) throw new FaultNotImplementedError(n);
    throw new UnknownFaultError(n, [...implementedFaults, ...plannedFaults.map((p) => `${p} (not yet)`)]);
  });
}

/** One planned fault: `at` ms after the start, healed `durationMs` later. */
export interface PlannedFault {
  readonly name: FaultName;
  readonly atMs: number;
  readonly durationMs: number;
  /** a number drawn from the seed for the injector's choices (which node, which half) */
  readonly pick: number;
}

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

/** What the injector did, to undo it at heal. */
export interface AppliedFault {
  readonly targets: string[];
  readonly detail: string;
  heal(): Promise<void>;
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
    case 'partition-leader': {
      const n = await leaderOrAny();
      const links = c.mesh.partition({ kind: 'isolate', node: n });
      return { targets: [n], detail: `isolate ${n} (${links.length} links blackholed)`, heal: async () => c.mesh.heal() };
    }
    case 'partition-halves': {
      const minority = rnd.sample(nodes, minoritySize);
      const links = c.mesh.partition({ kind: 'halves', minority });
      return { targets: minority, detail: `minority {${minority.join(' ')}} | majority (${links.length} links blackholed)`, heal: async () => c.mesh.heal() };
    }
    case 'partition-oneway': {
      const n = await leaderOrAny();
      const links = c.mesh.partition({ kind: 'oneway', from: n });
      return { targets: [n], detail: `${n} cannot open or use connections to anyone; others still reach it (${links.length} links)`, heal: async () => c.mesh.heal() };
    }
    case 'delay': {
      c.mesh.set(c.mesh.allLinks(), { ...passRule, delayMs: delayFaultMsDefault, jitterMs: delayFaultJitterMsDefault });
      return { targets: [...nodes], detail: `every peer link +${delayFaultMsDefault} ms ±${delayFaultJitterMsDefault} ms`, heal: async () => c.mesh.heal() };
    }
    case 'loss': {
      c.mesh.set(c.mesh.allLinks(), { ...passRule, closeProbability: lossFaultCloseProbabilityDefault });
      return { targets: [...nodes], detail: `every peer link closes its connection on ${lossFaultCloseProbabilityDefault * 100}% of chunks`, heal: async () => c.mesh.heal() };
    }
  }
}
