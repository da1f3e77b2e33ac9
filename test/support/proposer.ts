// Drives proposals into a LocalGroup through the leader's admin endpoint, pipelined and
// bounded, following leadership changes. Records which payloads were acknowledged.

import type { LocalGroup } from '@ledgermq/raft-node';

export interface ProposeStats {
  acked: number;
  /** Outcome unknown (stream broke or timed out): may or may not be committed. */
  unknown: number;
  retries: number;
  lastIndex: number;
}

export async function proposeMany(
  group: LocalGroup,
  opts: { count: number; payloadBytes: number; batch: number; inflight: number; tag: string; deadlineMs?: number },
): Promise<ProposeStats> {
  const stats: ProposeStats = { acked: 0, unknown: 0, retries: 0, lastIndex: 0 };
  const deadline = Date.now() + (opts.deadlineMs ?? 60_000);
  let next = 0;
  let leader = (await group.waitForLeader()).id;

  const worker = async (): Promise<void> => {
    while (next < opts.count) {
      if (Date.now() > deadline) throw new Error(`proposals did not finish in time (${stats.acked}/${opts.count})`);
      const start = next;
      const n = Math.min(opts.batch, opts.count - start);
      next += n;
      const payloads = Array.from({ length: n }, (_, k) => payload(opts.tag, start + k, opts.payloadBytes));
      for (let attempt = 0; ; attempt++) {
        if (attempt > 50) throw new Error('too many retries');
        try {
          const r = await group.node(leader).admin.propose(payloads);
          stats.acked += n;
          stats.lastIndex = Math.max(stats.lastIndex, ...r.indexes);
          break;
        } catch (err) {
          const e = err as { code?: string; retriable?: boolean; leader?: string };
          if (!e.retriable) throw err;
          if (e.code === 'UNAVAILABLE' || e.code === 'TIMEOUT') stats.unknown += n;
          stats.retries += 1;
          leader = e.leader && e.code === 'NOT_LEADER' && group.isRunning(e.leader)
            ? e.leader
            : (await group.waitForLeader()).id;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: opts.inflight }, () => worker()));
  return stats;
}

export function payload(tag: string, seq: number, bytes: number): Buffer {
  const head = Buffer.from(`${tag}:${seq}:`);
  const out = Buffer.alloc(Math.max(bytes, head.length), 0x2e);
  head.copy(out);
  return out;
}
