// Samples the committed consumer offsets of the workload's group during the whole run and
// records each as a history op `progress` (checked by checkProgress: never backwards).
//
// Where from: only the leader of the highest term that says it may serve reads (applied its
// term's read index). A new leader that has not applied everything committed before its term is
// skipped for that round, like the broker itself would refuse to serve it; a deposed leader is
// never asked while a newer one is visible. So a correct group can only answer with committed,
// current state, and a lower answer later is a real step back (or a planted bug).

import { BrokerAdminClient } from '@ledgermq/broker/admin';
import type { NodeStatus } from '@ledgermq/broker/local';
import type { JepsenCluster } from './cluster.ts';
import { progressCallTimeoutMs, progressSampleIntervalMs, progressSamplesMax } from './constants.ts';
import type { HistoryRecorder } from './history.ts';

export interface ProgressSamplerOptions {
  readonly cluster: JepsenCluster;
  readonly history: HistoryRecorder;
  readonly group: string;
  readonly topics: readonly string[];
  readonly intervalMs?: number;
}

/** The leader a sample may be read from, or null (none, or the newest one is not ready yet). */
export function sampleSource(statuses: Iterable<NodeStatus>): { id: string; term: number } | null {
  let best: NodeStatus | null = null;
  for (const st of statuses) {
    if (st.role !== 'leader') continue;
    if (best === null || st.term > best.term) best = st;
  }
  if (best === null) return null;
  if (best.readIndex === null || best.applied < best.readIndex) return null;
  return { id: String(best.id).split('/').pop()!, term: best.term };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export class ProgressSampler {
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  private readonly clients = new Map<string, BrokerAdminClient>();
  /** rounds that recorded at least one sample */
  rounds = 0;

  constructor(private readonly o: ProgressSamplerOptions) {}

  start(): void {
    this.running = true;
    this.loop = (async () => {
      for (let i = 0; i < progressSamplesMax && this.running; i++) {
        await this.sampleOnce().catch(() => undefined);
        await sleep(this.o.intervalMs ?? progressSampleIntervalMs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }

  /** One round: find the source, read every topic's offsets of the group there, record them. */
  async sampleOnce(): Promise<number> {
    const { cluster, history, group } = this.o;
    const source = sampleSource((await cluster.statuses()).values());
    if (source === null) return 0;
    const client = this.client(source.id);
    let recorded = 0;
    for (const topic of this.o.topics) {
      let reply: Awaited<ReturnType<BrokerAdminClient['consumerProgress']>>;
      try {
        reply = await client.consumerProgress(group, topic);
      } catch {
        continue; // no offsets yet (NOT_FOUND), or the node went away: no sample this round
      }
      for (const q of reply.queues) {
        if (q.topic !== topic) continue;
        history.add({ process: 'sampler', node: source.id, type: 'ok', op: 'progress', value: null, group, topic, queue: q.queueId, offset: q.consumerOffset, term: source.term });
        recorded++;
      }
    }
    if (recorded > 0) this.rounds++;
    return recorded;
  }

  private client(selfId: string): BrokerAdminClient {
    let c = this.clients.get(selfId);
    if (c === undefined) {
      const plan = this.o.cluster.node(selfId).plan;
      c = new BrokerAdminClient(`${plan.host}:${plan.adminPort}`, progressCallTimeoutMs);
      this.clients.set(selfId, c);
    }
    return c;
  }
}
