// The logic of the broker admin calls, over the node's applied state. Reads answer from this
// node's store; writes are proposed to the Raft log, on the leader only (a follower throws
// AdminNotLeaderError naming the leader's admin endpoint, and the client retries there).
// No transport here: broker-admin-server.ts maps these calls to gRPC.

import { CommandKind, decodeOffsetMessageId, encodeCommand, encodeOffsetMessageId, groupConfig, InvalidArgumentError, MessageType, Perm, topicConfig, type StoreStateMachine, type StoredMessage, type TopicConfig } from '@ledgermq/store';
import type { BrokerConfig } from '../config/broker-config.ts';
import { isSystemTopic } from '../system-topics.ts';
import { typeName, typeOfName } from '../v2/message-convert.ts';
import type { ClientRegistry } from '../clients/client-registry.ts';
import type { TopicStats } from '../metrics/topic-stats.ts';
import type { TrafficMeter } from '../metrics/traffic-meter.ts';
import { isLiveConfigKey, liveConfigKeys, type LiveConfigKey } from './live-config-keys.ts';
import type { LiveBrokerConfig } from './live-config.ts';
import { AdminBadRequestError, AdminInternalError, AdminNotFoundError, AdminNotLeaderError, AdminWriteFailedError, BrokerAdminError, RestartRequiredError } from './broker-admin-errors.ts';
import {
  bodyPreviewBytesMax, readQueueCountMax, readQueueReplyBytesMax, type ReadQueueReply,
  type BrokerConfigReply, type BrokerRuntimeReply, type ConsumerProgressReply, type MessageView, type QueryMsgReply, type QueueProgress,
  type ResetOffsetReply, type TopicListReply, type ConnectionReply, type StatsAllReply, type UpdateBrokerConfigReply, type TopicStatusReply, type TopicView, type UpdateSubGroupRequest, type UpdateTopicRequest,
  type WritePermReply, type WriteReply,
} from './broker-admin-types.ts';

/** What the service needs of the Raft node (RaftNode fits). */
export interface AdminRaftView {
  status(): {
    readonly id: string; readonly role: string; readonly term: number; readonly leader: string | null;
    readonly commit: number; readonly applied: number; readonly lastIndex: number; readonly elections: number; readonly lastElectionMs: number | null;
  };
  leader(): { readonly id: string; readonly self: boolean } | null;
  propose(body: Uint8Array, onIndex?: (index: number) => void): Promise<{ readonly index: number; readonly term: number }>;
}

/** What the service needs of the Raft log (Ledger fits). */
export interface AdminLogView {
  firstIndex(): number;
  lastIndex(): number;
  location(index: number): { pos: number; size: number };
  status(): { readonly bytes: number };
}

export interface BrokerAdminDeps {
  readonly cfg: BrokerConfig;
  readonly store: StoreStateMachine;
  readonly raft: AdminRaftView;
  readonly log: AdminLogView;
  readonly traffic: TrafficMeter;
  readonly topicStats: TopicStats;
  readonly clients: ClientRegistry;
  readonly live: LiveBrokerConfig;
  /** Stored and not committed, per group and topic (the metrics' consumer lag). */
  consumerLag(): ReadonlyArray<{ readonly topic: string; readonly group: string; readonly lag: number }>;
  /** Received and not acknowledged, on this node. */
  inflight(group: string, topic: string): number;
  /** After an explicit offset change: drop the in-memory receive state of the queue. */
  forgetQueue(group: string, topic: string, queueId: number): void;
  /** host:port of the leader's admin endpoint, '' when unknown. */
  leaderAdminAddress(): Promise<string>;
  readonly storeHost: string;
  readonly version: string;
  readonly bootTimestampMs: number;
  nowMs(): number;
}

export const messageTypeNames = ['NORMAL', 'FIFO', 'DELAY', 'TRANSACTION', 'MIXED'] as const;
const queryLimitMax = 64;

export class BrokerAdminService {
  constructor(private readonly d: BrokerAdminDeps) {}

  private get brokerName(): string {
    return this.d.cfg.brokerName;
  }

  brokerRuntime(): BrokerRuntimeReply {
    const { cfg, raft, log, traffic, store } = this.d;
    const st = raft.status();
    const totals = traffic.totals();
    const minOffset = safe(() => log.location(log.firstIndex()).pos, 0);
    const last = log.lastIndex();
    const maxOffset = last >= log.firstIndex() ? safe(() => { const l = log.location(last); return l.pos + l.size; }, 0) : minOffset;
    const applied = store.lastApplied();
    const appliedEnd = applied >= log.firstIndex() ? safe(() => { const l = log.location(applied); return l.pos + l.size; }, maxOffset) : minOffset;
    const now = this.d.nowMs();
    const table: Record<string, string> = {
      brokerVersionDesc: this.d.version,
      brokerVersion: '0',
      bootTimestamp: String(this.d.bootTimestampMs),
      runtime: runtimeText(now - this.d.bootTimestampMs),
      brokerActive: String(st.role === 'leader'),
      putTps: traffic.tps('put'),
      getTransferredTps: traffic.tps('get'),
      getFoundTps: traffic.tps('get'),
      getTotalTps: traffic.tps('get'),
      msgPutTotalTodayNow: String(totals.now.put),
      putMessageTimesTotal: String(totals.now.put),
      putMessageSizeTotal: String(traffic.putBytesTotal),
      putMessageAverageSize: (totals.now.put > 0 ? traffic.putBytesTotal / totals.now.put : 0).toFixed(2),
      msgGetTotalTodayNow: String(totals.now.get),
      msgPutTotalTodayMorning: String(totals.todayMorning.put),
      msgGetTotalTodayMorning: String(totals.todayMorning.get),
      msgPutTotalYesterdayMorning: String(totals.yesterdayMorning.put),
      msgGetTotalYesterdayMorning: String(totals.yesterdayMorning.get),
      commitLogMinOffset: String(minOffset),
      commitLogMaxOffset: String(maxOffset),
      commitLogDiskBytes: String(log.status().bytes),
      dispatchBehindBytes: String(Math.max(0, maxOffset - appliedEnd)),
      remainHowManyDataToFlush: '0',
      topicCount: String(store.metadata.topics().length),
      subscriptionGroupCount: String(store.metadata.groups().length),
      clientConnectionCount: String(this.d.clients.size),
      raftRole: st.role.toUpperCase(),
      raftTerm: String(st.term),
      raftLeader: st.leader ?? '',
      raftCommitIndex: String(st.commit),
      raftAppliedIndex: String(st.applied),
      raftLastIndex: String(st.lastIndex),
      raftElections: String(st.elections),
      raftLastElectionTimestamp: String(st.lastElectionMs ?? 0),
    };
    return { clusterName: cfg.clusterName, brokerName: this.brokerName, nodeId: cfg.node.selfId, table };
  }

  topicList(): TopicListReply {
    return { brokerName: this.brokerName, topics: this.d.store.metadata.topics().map(topicView).sort((a, b) => a.name.localeCompare(b.name)) };
  }

  topicStatus(req: { topic?: string }): TopicStatusReply {
    const t = this.requireTopic(req.topic);
    const queues = [];
    for (let q = 0; q < Math.max(t.readQueueNums, t.writeQueueNums); q++) {
      const s = this.d.store.queueState(t.name, q);
      const min = s?.minOffset ?? 0;
      const max = s?.nextOffset ?? 0;
      queues.push({ queueId: q, minOffset: min, maxOffset: max, lastUpdateTimestampMs: max > min ? this.storeTimeAt(t.name, q, max - 1) : 0 });
    }
    return { brokerName: this.brokerName, topic: t.name, queues };
  }

  async updateTopic(req: UpdateTopicRequest): Promise<WriteReply> {
    const name = str(req.topic, 'topic');
    const existing = this.d.store.metadata.topic(name);
    const base = existing ?? topicConfig(name, { readQueueNums: this.d.cfg.defaultTopicQueueNums, writeQueueNums: this.d.cfg.defaultTopicQueueNums });
    const messageType = req.messageType === undefined ? base.messageType : messageTypeOf(req.messageType);
    const topic: TopicConfig = {
      name,
      readQueueNums: req.readQueueNums ?? base.readQueueNums,
      writeQueueNums: req.writeQueueNums ?? base.writeQueueNums,
      perm: req.perm ?? base.perm,
      messageType,
    };
    return this.write(existing === undefined ? { kind: CommandKind.TopicCreate, topic } : { kind: CommandKind.TopicUpdate, topic });
  }

  async deleteTopic(req: { topic?: string }): Promise<WriteReply> {
    const topic = str(req.topic, 'topic');
    if (this.d.store.metadata.topic(topic) === undefined) throw new AdminNotFoundError(`topic ${topic} does not exist on ${this.brokerName}`);
    return this.write({ kind: CommandKind.TopicDelete, topic });
  }

  async updateSubGroup(req: UpdateSubGroupRequest): Promise<WriteReply> {
    const name = str(req.group, 'group');
    const existing = this.d.store.metadata.group(name);
    const base = existing ?? groupConfig(name);
    const group = {
      name,
      retryMaxTimes: req.retryMaxTimes ?? base.retryMaxTimes,
      fifo: req.fifo ?? base.fifo,
      consumeEnable: req.consumeEnable ?? base.consumeEnable,
    };
    return this.write(existing === undefined ? { kind: CommandKind.GroupCreate, group } : { kind: CommandKind.GroupUpdate, group });
  }

  async deleteSubGroup(req: { group?: string }): Promise<WriteReply> {
    const group = str(req.group, 'group');
    if (this.d.store.metadata.group(group) === undefined) throw new AdminNotFoundError(`subscription group ${group} does not exist on ${this.brokerName}`);
    return this.write({ kind: CommandKind.GroupDelete, group });
  }

  consumerProgress(req: { group?: string; topic?: string }): ConsumerProgressReply {
    const group = str(req.group, 'group');
    const { store } = this.d;
    const offsets = store.metadata.consumerOffsets(group).filter((o) => req.topic === undefined || req.topic === '' || o.topic === req.topic);
    if (offsets.length === 0 && store.metadata.group(group) === undefined) {
      throw new AdminNotFoundError(`consumer group ${group} has no offsets on ${this.brokerName} and is not a subscription group there`);
    }
    // Every queue of a topic the group committed on, including queues it has not reached yet.
    const topics = [...new Set(offsets.map((o) => o.topic))].sort();
    const queues: QueueProgress[] = [];
    for (const topic of topics) {
      const t = store.metadata.topic(topic);
      const count = Math.max(t?.readQueueNums ?? 0, ...offsets.filter((o) => o.topic === topic).map((o) => o.queueId + 1));
      const inflight = this.d.inflight(group, topic);
      for (let q = 0; q < count; q++) {
        const brokerOffset = store.queueState(topic, q)?.nextOffset ?? 0;
        const consumerOffset = store.metadata.consumerOffset(group, topic, q) ?? 0;
        queues.push({
          topic, brokerName: this.brokerName, queueId: q, brokerOffset, consumerOffset,
          diff: Math.max(0, brokerOffset - consumerOffset),
          inflight: q === 0 ? inflight : 0,
          lastTimestampMs: consumerOffset > 0 ? this.storeTimeAt(topic, q, consumerOffset - 1) : 0,
        });
      }
    }
    return {
      group, brokerName: this.brokerName, consumeTps: this.d.traffic.rate('get', 60),
      diffTotal: queues.reduce((n, q) => n + q.diff, 0), queues,
    };
  }

  async queryMsgById(req: { msgId?: string }): Promise<QueryMsgReply> {
    const id = str(req.msgId, 'msgId');
    const { store } = this.d;
    if (/^[0-9A-Fa-f]{32}$/.test(id)) {
      const decoded = decodeOffsetMessageId(id);
      try {
        const m = store.reader.readByPhysicalOffset(decoded.physicalOffset);
        return { brokerName: this.brokerName, messages: [this.view(m, -1, decoded.physicalOffset)] };
      } catch {
        /* not an offset id of this group's log: try it as a client id */
      }
    }
    const hits = await store.index.byUniqKey(id, queryLimitMax);
    return { brokerName: this.brokerName, messages: this.readHits(hits) };
  }

  async queryMsgByKey(req: { topic?: string; key?: string; limit?: number }): Promise<QueryMsgReply> {
    const t = this.requireTopic(req.topic);
    const key = str(req.key, 'key');
    const limit = Math.max(1, Math.min(req.limit ?? 32, queryLimitMax));
    const hits = await this.d.store.index.byKey(t.name, key, limit);
    return { brokerName: this.brokerName, messages: this.readHits(hits) };
  }

  queryMsgByOffset(req: { topic?: string; queueId?: number; offset?: number }): QueryMsgReply {
    const t = this.requireTopic(req.topic);
    const queueId = uint(req.queueId, 'queueId');
    const offset = uint(req.offset, 'offset');
    const r = this.d.store.reader.readQueue(t.name, queueId, offset, { countMax: 1 });
    const m = r.messages[0];
    if (m === undefined || m.queueOffset !== offset) {
      throw new AdminNotFoundError(`no message at ${t.name} queue ${queueId} offset ${offset} (the queue holds ${r.minOffset}..${r.maxOffset - 1})`);
    }
    return { brokerName: this.brokerName, messages: [this.view(m.message, m.queueOffset, m.physicalOffset)] };
  }

  async resetOffsetByTime(req: { group?: string; topic?: string; timestampMs?: number }): Promise<ResetOffsetReply> {
    const group = str(req.group, 'group');
    const t = this.requireTopic(req.topic);
    const ts = uint(req.timestampMs, 'timestampMs');
    await this.requireLeader();
    const queues = [];
    for (let q = 0; q < t.readQueueNums; q++) {
      const s = this.d.store.queueState(t.name, q);
      const offset = s === undefined ? 0 : (this.d.store.reader.offsetForTimestamp(t.name, q, ts) ?? s.nextOffset);
      await this.propose(encodeCommand({ kind: CommandKind.OffsetCommit, group, topic: t.name, queueId: q, offset }));
      this.d.forgetQueue(group, t.name, q);
      queues.push({ queueId: q, offset });
    }
    return { brokerName: this.brokerName, group, topic: t.name, queues };
  }

  getBrokerConfig(): BrokerConfigReply {
    const c = this.d.cfg;
    const config: Record<string, string> = {
      brokerClusterName: c.clusterName,
      brokerName: c.brokerName,
      brokerIP1: c.advertisedHost,
      listenHost: c.listenHost,
      listenPort: String(c.listenPort),
      namesrvAddr: c.namesrvAddrs.join(';'),
      registerNameServerPeriod: String(c.registerIntervalMs),
      autoCreateTopicEnable: String(c.autoCreateTopic),
      defaultTopicQueueNums: String(c.defaultTopicQueueNums),
      maxMessageSize: String(c.maxMessageBytes),
      transactionTimeout: String(c.transactionTimeoutMs),
      transactionCheckInterval: String(c.transactionCheckIntervalMs),
      transactionCheckMax: String(c.transactionCheckMax),
      timerMaxDelaySec: String(c.timerDelayMsMax / 1000),
      metricsPromExporterPort: String(c.metricsPort),
      flushDiskType: 'SYNC_FLUSH',
    };
    for (const [k, v] of Object.entries(c.node)) {
      if (v === null || typeof v === 'object' || typeof v === 'function') continue;
      config[`raft.${k}`] = String(v);
    }
    return { brokerName: this.brokerName, nodeId: c.node.selfId, config };
  }

  /**
   * Applies keys that change at run time (liveConfigKeys) on this node, all or none. A key read
   * only at start is refused, named, with what to do instead; an unknown key or a bad value is
   * refused naming the key. Changes last until the node restarts (broker.conf is not rewritten).
   */
  updateBrokerConfig(req: Record<string, unknown>): UpdateBrokerConfigReply {
    const entries = Object.entries(req ?? {});
    if (entries.length === 0) throw new AdminBadRequestError('updateBrokerConfig needs at least one key=value');
    const known = new Set(Object.keys(this.getBrokerConfig().config));
    const unknown = entries.map(([k]) => k).filter((k) => !known.has(k) && !isLiveConfigKey(k));
    if (unknown.length > 0) throw new AdminBadRequestError(`unknown broker config key(s): ${unknown.join(', ')}`);
    const restart = entries.map(([k]) => k).filter((k) => !isLiveConfigKey(k));
    if (restart.length > 0) {
      throw new RestartRequiredError(
        `${restart.join(', ')} ${restart.length === 1 ? 'takes' : 'take'} effect only at start: edit the node's broker.conf and restart it (one node at a time, moving leadership away first with transferLeader); keys that change at run time: ${Object.keys(liveConfigKeys).join(', ')}`,
      );
    }
    const changes = entries.map(([k, v]) => {
      if (typeof v !== 'string') throw new AdminBadRequestError(`${k}: the value must be a string, got ${JSON.stringify(v)}`);
      return [k as LiveConfigKey, v] as const;
    });
    let applied: Record<string, string>;
    try {
      applied = this.d.live.apply(changes);
    } catch (err) {
      throw new AdminBadRequestError((err as Error).message, { cause: err });
    }
    return { brokerName: this.brokerName, nodeId: this.d.cfg.node.selfId, applied, persisted: false };
  }

  /** Whole messages of one queue from `offset` on (exportMessage), at most a bounded batch. */
  readQueue(req: { topic?: string; queueId?: number; offset?: number; count?: number }): ReadQueueReply {
    const t = this.requireTopic(req.topic);
    const queueId = uint(req.queueId, 'queueId');
    const offset = uint(req.offset, 'offset');
    const count = Math.max(1, Math.min(req.count ?? readQueueCountMax, readQueueCountMax));
    const r = this.d.store.reader.readQueue(t.name, queueId, offset, { countMax: count, bytesMax: readQueueReplyBytesMax });
    const messages = r.messages.map((m) => ({ ...this.view(m.message, m.queueOffset, m.physicalOffset), bodyBase64: Buffer.from(m.message.body).toString('base64') }));
    return { brokerName: this.brokerName, topic: t.name, queueId, minOffset: r.minOffset, maxOffset: r.maxOffset, nextOffset: r.nextOffset, messages };
  }

  /** The consumers of a group connected to this node. */
  consumerConnection(req: { group?: string }): ConnectionReply {
    const group = str(req.group, 'group');
    return { brokerName: this.brokerName, nodeId: this.d.cfg.node.selfId, clients: this.d.clients.consumersOf(group) };
  }

  /** The producers of a topic connected to this node (every producer when no topic is given). */
  producerConnection(req: { topic?: string }): ConnectionReply {
    const topic = typeof req.topic === 'string' ? req.topic : '';
    return { brokerName: this.brokerName, nodeId: this.d.cfg.node.selfId, clients: this.d.clients.producersOf(topic) };
  }

  /** statsAll on this node: what it stored and delivered (as leader), and each group's backlog. */
  statsAll(req: { topic?: string }): StatsAllReply {
    const only = typeof req.topic === 'string' && req.topic !== '' ? req.topic : null;
    const keep = (t: string) => (only === null ? !isSystemTopic(t) : t === only);
    const snap = this.d.topicStats.snapshot();
    return {
      brokerName: this.brokerName,
      nodeId: this.d.cfg.node.selfId,
      leader: this.d.raft.leader()?.self === true,
      topics: this.d.store.metadata.topics().map((t) => t.name).filter(keep).sort(),
      puts: snap.topics.filter((x) => keep(x.topic)),
      gets: snap.groups.filter((x) => keep(x.topic)),
      backlog: this.d.consumerLag().filter((x) => keep(x.topic)).map((x) => ({ topic: x.topic, group: x.group, accumulation: x.lag })),
    };
  }

  wipeWritePerm(): Promise<WritePermReply> {
    return this.setWritePerm(false);
  }

  addWritePerm(): Promise<WritePermReply> {
    return this.setWritePerm(true);
  }

  // ---- internals ---------------------------------------------------------------------

  private async setWritePerm(writable: boolean): Promise<WritePermReply> {
    await this.requireLeader();
    let changed = 0;
    for (const t of this.d.store.metadata.topics()) {
      if (isSystemTopic(t.name)) continue;
      const perm = writable ? t.perm | Perm.Write : t.perm & ~Perm.Write;
      if (perm === t.perm) continue;
      await this.propose(encodeCommand({ kind: CommandKind.TopicUpdate, topic: { ...t, perm } }));
      changed += 1;
    }
    return { brokerName: this.brokerName, topicsChanged: changed };
  }

  private async write(cmd: Parameters<typeof encodeCommand>[0]): Promise<WriteReply> {
    let body: Uint8Array;
    try {
      body = encodeCommand(cmd);
    } catch (err) {
      if (err instanceof InvalidArgumentError) throw new AdminBadRequestError(err.message, { cause: err });
      throw err;
    }
    await this.requireLeader();
    const index = await this.propose(body, (i) => this.d.store.expectResult(i));
    const r = this.d.store.takeResult(index);
    return { brokerName: this.brokerName, outcome: r?.type === 'command' ? r.outcome : 'ok', index };
  }

  private async requireLeader(): Promise<void> {
    if (this.d.raft.leader()?.self === true) return;
    throw new AdminNotLeaderError(await this.d.leaderAdminAddress());
  }

  private async propose(body: Uint8Array, onIndex?: (index: number) => void): Promise<number> {
    try {
      return (await this.d.raft.propose(body, onIndex)).index;
    } catch (err) {
      const e = err as Error & { retriable?: boolean };
      if (e.name === 'NotLeaderError') throw new AdminNotLeaderError(await this.d.leaderAdminAddress(), { cause: err });
      throw new AdminWriteFailedError(`proposal failed (${e.name}): ${e.message}`, e.retriable ?? true, { cause: err });
    }
  }

  private requireTopic(name: string | undefined): TopicConfig {
    const topic = str(name, 'topic');
    const t = this.d.store.metadata.topic(topic);
    if (t === undefined) throw new AdminNotFoundError(`topic ${topic} does not exist on ${this.brokerName}`);
    return t;
  }

  private storeTimeAt(topic: string, queueId: number, offset: number): number {
    return safe(() => this.d.store.reader.readQueue(topic, queueId, offset, { countMax: 1 }).messages[0]?.message.storeTimestampMs ?? 0, 0);
  }

  private readHits(hits: ReadonlyArray<{ topic: string; queueId: number; queueOffset: number }>): MessageView[] {
    const out: MessageView[] = [];
    for (const h of hits) {
      const m = safe(() => this.d.store.reader.readQueue(h.topic, h.queueId, h.queueOffset, { countMax: 1 }).messages[0], undefined);
      if (m !== undefined && m.queueOffset === h.queueOffset) out.push(this.view(m.message, m.queueOffset, m.physicalOffset));
    }
    return out;
  }

  private view(m: StoredMessage, queueOffset: number, physicalOffset: number): MessageView {
    const p = m.properties;
    return {
      offsetMsgId: safe(() => encodeOffsetMessageId(m.storeHost, physicalOffset), ''),
      msgId: p.uniqKey ?? '',
      topic: m.topic,
      queueId: m.queueId,
      queueOffset,
      physicalOffset,
      tags: p.tags ?? '',
      keys: p.keys,
      bornHost: m.bornHost,
      bornTimestampMs: m.bornTimestampMs,
      storeHost: m.storeHost,
      storeTimestampMs: m.storeTimestampMs,
      reconsumeTimes: m.reconsumeTimes,
      bodyBytes: m.body.length,
      bodyCrc32c: m.bodyCrc32c,
      userProperties: Object.fromEntries(p.user),
      body: m.body.subarray(0, bodyPreviewBytesMax).toString('utf8'),
    };
  }
}

/** Maps anything unexpected to an internal error (never leaks a stack to the caller). */
export function asAdminError(err: unknown): BrokerAdminError {
  if (err instanceof BrokerAdminError) return err;
  if (err instanceof InvalidArgumentError) return new AdminBadRequestError(err.message, { cause: err });
  const e = err as Error;
  if (e?.name === 'MalformedError') return new AdminBadRequestError(e.message, { cause: err });
  return new AdminInternalError(`${e?.name ?? 'Error'}: ${e?.message ?? String(err)}`, { cause: err });
}

function topicView(t: TopicConfig): TopicView {
  return { name: t.name, readQueueNums: t.readQueueNums, writeQueueNums: t.writeQueueNums, perm: t.perm, messageType: typeName(t.messageType) };
}

function messageTypeOf(name: string): MessageType {
  const type = typeOfName(name);
  if (type === undefined) throw new AdminBadRequestError(`messageType must be one of ${messageTypeNames.join(', ')}, got "${name}"`);
  return type;
}

function str(v: unknown, name: string): string {
  if (typeof v !== 'string' || v === '') throw new AdminBadRequestError(`${name} is required`);
  return v;
}

function uint(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new AdminBadRequestError(`${name} must be a non-negative integer, got ${JSON.stringify(v)}`);
  return v;
}

function safe<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

function runtimeText(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `[ ${Math.floor(s / 86_400)} days, ${Math.floor((s % 86_400) / 3600)} hours, ${Math.floor((s % 3600) / 60)} minutes, ${s % 60} seconds ]`;
}
