// What the bench reads off the cluster itself: idle CPU, the leader's event-loop delay over a
// step, the leader's endpoint, and the send gap across a kill -9 of the leader.

import type { Producer } from 'rocketmq-client-nodejs';
import { cpuMs } from '@ledgermq/raft-node';
import type { LocalCluster } from '../src/local/local-cluster.ts';
import { group } from './bench-common.ts';

/** How long the idle step settles (the warm-up's tail: checkpoints, GC) and then measures. */
const idleSettleMs = 2_000;
export const idleWindowMs = 5_000;

/** Each node's CPU over a window with no load, in % of one core: what its timers, heartbeats and beacons cost. */
export async function idleCpuPercent(cluster: LocalCluster): Promise<number[]> {
  await new Promise((r) => setTimeout(r, idleSettleMs));
  const pids = cluster.group(group).map((h) => h.process?.pid);
  const before = pids.map(cpuMs);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, idleWindowMs));
  const elapsedMs = performance.now() - t0;
  return pids.map((pid, i) => (100 * ((cpuMs(pid) ?? NaN) - (before[i] ?? NaN))) / elapsedMs);
}

/**
 * Runs `work` and reads the leader's longest event-loop delay over it: the leader (as it was
 * when `work` began) and that delay, with `work`'s result.
 */
export async function leaderLoopDelayDuring<T>(cluster: LocalCluster, work: () => Promise<T>): Promise<{ leader: { id: string; term: number }; delayMaxMs: number | null; result: T }> {
  const leader = await cluster.waitForLeader(group, { timeoutMs: 60_000 });
  const metricsUrl = `http://${leader.node.plan.host}:${leader.node.plan.metricsPort}/metrics`;
  await eventLoopDelayMaxMs(metricsUrl); // a scrape restarts the node's delay histogram
  const result = await work();
  return { leader: { id: leader.id, term: leader.term }, delayMaxMs: await eventLoopDelayMaxMs(metricsUrl), result };
}

/** nodejs_eventloop_lag_max_seconds of a node, in ms: the longest delay since its previous scrape. */
async function eventLoopDelayMaxMs(metricsUrl: string): Promise<number | null> {
  const text = await (await fetch(metricsUrl, { signal: AbortSignal.timeout(10_000) })).text();
  const m = /^nodejs_eventloop_lag_max_seconds(?:\{[^}]*\})? (\S+)$/m.exec(text);
  return m === null ? null : Number(m[1]) * 1000;
}

/** The v2 endpoint of the group's leader: our raw client's rows measure the broker, not a forward. */
export async function leaderEndpoint(cluster: LocalCluster): Promise<string> {
  const leader = await cluster.waitForLeader(group, { timeoutMs: 60_000 });
  return `${leader.node.plan.host}:${leader.node.plan.v2Port}`;
}

export async function failoverGap(cluster: LocalCluster, p: Producer, body: Buffer): Promise<number> {
  const old = await cluster.waitForLeader(group, { timeoutMs: 60_000 });
  // Steady sends; the gap is the longest time between two acknowledged sends around the kill.
  let lastOk = performance.now();
  let gap = 0;
  let stop = false;
  const loop = (async () => {
    while (!stop) {
      try {
        await p.send({ topic: 'FailoverTopic', body });
        const now = performance.now();
        gap = Math.max(gap, now - lastOk);
        lastOk = now;
      } catch {
        /* the client retried and gave up; keep sending */
      }
    }
  })();
  await new Promise((r) => setTimeout(r, 500));
  gap = 0;
  await cluster.kill(old.id, 'SIGKILL');
  await cluster.waitForLeader(group, { excluding: old.id, minTerm: old.term + 1, timeoutMs: 60_000 });
  const until = performance.now() + 3_000;
  while (performance.now() < until) await new Promise((r) => setTimeout(r, 50));
  stop = true;
  await loop;
  cluster.start(old.id);
  // The next run kills one node only once this one votes again (else it is two failures).
  await cluster.waitForFollowing(group, old.id, 60_000);
  return gap;
}
