// The node's Prometheus registry. Counters and histograms are bumped where traffic happens
// (an applied batch, a served RPC); every gauge is read from status functions at scrape time,
// so scraping costs nothing between scrapes.

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { eventLoopMonitoringPrecisionMs, fsyncLatencyBucketsSeconds, messageSizeBucketsBytes, metricNames as N, rpcLatencyBucketsMs, type NodeLabels } from './metric-names.ts';
import { TopicStats } from './topic-stats.ts';
import { TrafficMeter } from './traffic-meter.ts';

/** The Raft state a scrape reads (a subset of RaftNode.status()). */
export interface RaftView {
  readonly role: string;
  readonly term: number;
  readonly leader: string | null;
  readonly commit: number;
  readonly applied: number;
  readonly lastIndex: number;
  readonly elections: number;
  /** Leader only: each follower's match index. */
  readonly progress: Readonly<Record<string, { readonly match: number }>>;
  readonly id: string;
  /** The leader beacon's counts since start (absent or null when raftLeaderBeacon=false). */
  readonly beacons?: { readonly sent: number; readonly accepted: number; readonly failed: number } | null;
}

export interface ConsumerGauge {
  readonly topic: string;
  readonly group: string;
  /** Messages stored but not yet committed by the group. */
  readonly lag: number;
  /** Received and not yet acknowledged (on the leader). */
  readonly inflight: number;
}

/** What scrapes read, supplied by the broker node. */
export interface MetricsSources {
  raft(): RaftView;
  consumers(): readonly ConsumerGauge[];
  /** Bytes on disk by storage type (`commitlog`, …). */
  storageBytes(): Readonly<Record<string, number>>;
}

export class BrokerMetrics {
  readonly registry = new Registry();
  readonly traffic: TrafficMeter;
  /** Per topic and (topic, group): statsAll's in / out rates and 24 h counts. */
  readonly topics: TopicStats;
  private leader = false;
  private sources: MetricsSources | null = null;

  private readonly messagesIn: Counter<'topic'>;
  private readonly throughputIn: Counter<'topic'>;
  private readonly messageSize: Histogram<'topic'>;
  private readonly messagesOut: Counter<'topic' | 'consumer_group'>;
  private readonly throughputOut: Counter<'topic' | 'consumer_group'>;
  private readonly sendToDlq: Counter<'consumer_group'>;
  private readonly rpcLatency: Histogram<'rpc' | 'status'>;
  private readonly fsyncLatency: Histogram;

  constructor(labels: NodeLabels, nowMs: () => number = Date.now) {
    this.traffic = new TrafficMeter(nowMs);
    this.topics = new TopicStats(nowMs);
    const r = [this.registry];
    this.registry.setDefaultLabels({ ...labels });
    // The process itself (prom-client's standard set): CPU, memory, GC pauses and event-loop
    // delay. A stalled event loop delays every ack on the node, so its p99 and max are where a
    // latency tail shows first.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: eventLoopMonitoringPrecisionMs });
    this.messagesIn = new Counter({ name: N.messagesIn, help: 'Messages stored (counted by the leader that stored them)', labelNames: ['topic'], registers: r });
    this.throughputIn = new Counter({ name: N.throughputIn, help: 'Bytes of messages stored', labelNames: ['topic'], registers: r });
    this.messageSize = new Histogram({ name: N.messageSize, help: 'Stored message size, bytes', labelNames: ['topic'], buckets: messageSizeBucketsBytes, registers: r });
    this.messagesOut = new Counter({ name: N.messagesOut, help: 'Messages delivered to consumers', labelNames: ['topic', 'consumer_group'], registers: r });
    this.throughputOut = new Counter({ name: N.throughputOut, help: 'Bytes of message bodies delivered to consumers', labelNames: ['topic', 'consumer_group'], registers: r });
    this.sendToDlq = new Counter({ name: N.sendToDlq, help: 'Messages moved to a dead-letter queue', labelNames: ['consumer_group'], registers: r });
    this.rpcLatency = new Histogram({ name: N.rpcLatency, help: 'v2 RPC latency served by this node, milliseconds', labelNames: ['rpc', 'status'], buckets: rpcLatencyBucketsMs, registers: r });
    this.fsyncLatency = new Histogram({ name: N.raftFsyncLatency, help: 'Raft log fsync (group commit) latency, seconds', buckets: fsyncLatencyBucketsSeconds, registers: r });

    const self = this;
    const raftGauge = (name: string, help: string, read: (s: RaftView) => number) =>
      new Gauge({
        name, help, registers: r,
        collect() {
          const s = self.sources?.raft();
          if (s !== undefined) this.set(read(s));
        },
      });
    raftGauge(N.raftTerm, 'Current Raft term', (s) => s.term);
    raftGauge(N.raftLeader, '1 on the node that is the group leader, else 0', (s) => (s.role === 'leader' ? 1 : 0));
    raftGauge(N.raftCommitIndex, 'Raft commit index', (s) => s.commit);
    raftGauge(N.raftAppliedIndex, 'Raft applied index', (s) => s.applied);
    raftGauge(N.raftLastIndex, 'Last index in the local log', (s) => s.lastIndex);
    new Counter({
      name: N.raftElections, help: 'Leader changes observed by this node', registers: r,
      collect() {
        const s = self.sources?.raft();
        if (s === undefined) return;
        this.reset();
        this.inc(s.elections);
      },
    });
    new Gauge({
      name: N.raftFollowerLag, help: 'On the leader: entries each follower is behind the leader\'s last index', labelNames: ['peer'], registers: r,
      collect() {
        this.reset();
        const s = self.sources?.raft();
        if (s === undefined || s.role !== 'leader') return;
        for (const [peer, p] of Object.entries(s.progress)) {
          if (peer !== s.id) this.set({ peer }, Math.max(0, s.lastIndex - p.match));
        }
      },
    });
    new Counter({
      name: N.raftLeaderBeacons, help: 'Liveness beacons this node sent as leader, by result: accepted (the follower follows it), ignored (answered, not taken), failed (refused, timed out or unsent)', labelNames: ['result'], registers: r,
      collect() {
        const b = self.sources?.raft().beacons;
        if (b === undefined || b === null) return;
        this.reset();
        this.inc({ result: 'accepted' }, b.accepted);
        this.inc({ result: 'ignored' }, b.sent - b.accepted);
        this.inc({ result: 'failed' }, b.failed);
      },
    });
    new Gauge({
      name: N.consumerLag, help: 'Messages stored but not yet committed by the consumer group', labelNames: ['topic', 'consumer_group'], registers: r,
      collect() {
        this.reset();
        for (const c of self.sources?.consumers() ?? []) this.set({ topic: c.topic, consumer_group: c.group }, c.lag);
      },
    });
    new Gauge({
      name: N.consumerInflight, help: 'Messages received by the consumer group and not yet acknowledged', labelNames: ['topic', 'consumer_group'], registers: r,
      collect() {
        this.reset();
        for (const c of self.sources?.consumers() ?? []) this.set({ topic: c.topic, consumer_group: c.group }, c.inflight);
      },
    });
    new Gauge({
      name: N.storageSize, help: 'Bytes on disk', labelNames: ['storage_type'], registers: r,
      collect() {
        this.reset();
        for (const [type, bytes] of Object.entries(self.sources?.storageBytes() ?? {})) this.set({ storage_type: type }, bytes);
      },
    });
  }

  /** The status functions scrapes read (set once the node exists). */
  setSources(s: MetricsSources): void {
    this.sources = s;
  }

  /** Only the leader counts stored messages, so a group's series sum to what clients sent. */
  setLeader(leader: boolean): void {
    this.leader = leader;
  }

  /** A batch applied to one queue; `size` is each stored record's size, bytes. */
  messagesStored(topic: string, messages: ReadonlyArray<{ readonly size: number }>): void {
    if (!this.leader || messages.length === 0) return;
    let bytes = 0;
    for (const m of messages) {
      bytes += m.size;
      this.messageSize.observe({ topic }, m.size);
    }
    this.messagesIn.inc({ topic }, messages.length);
    this.throughputIn.inc({ topic }, bytes);
    this.traffic.addPut(messages.length, bytes);
    this.topics.put(topic, messages.length);
    if (topic.startsWith(dlqPrefix)) this.sendToDlq.inc({ consumer_group: topic.slice(dlqPrefix.length) }, messages.length);
  }

  messagesDelivered(topic: string, group: string, count: number, bytes: number): void {
    if (count === 0) return;
    this.messagesOut.inc({ topic, consumer_group: group }, count);
    this.throughputOut.inc({ topic, consumer_group: group }, bytes);
    this.traffic.addGet(count);
    this.topics.get(topic, group, count);
  }

  rpcServed(rpc: string, ok: boolean, latencyMs: number): void {
    this.rpcLatency.observe({ rpc, status: ok ? 'ok' : 'error' }, latencyMs);
  }

  /**
   * The fsync hook: one observation per group-commit fsync of the Raft log. Fed by
   * RaftNodeDeps.onFsync, once per group-commit fsync of the log.
   */
  observeFsyncSeconds(seconds: number): void {
    this.fsyncLatency.observe(seconds);
  }

  /** The exposition text (Prometheus 0.0.4 format). */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

const dlqPrefix = '%DLQ%';
