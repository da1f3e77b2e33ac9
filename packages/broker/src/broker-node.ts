// One broker node: a Raft member whose state machine is the store, serving the v2 endpoint,
// forwarding leader-only calls to the leader, registering with the NameServers. The leader is
// the master (brokerId 0); a new leader serves calls only once it has applied its own no-op.

import path from 'node:path';
import { type TopicConfig as NamesrvTopic, type NodeRoute, type TopicRoute } from '@ledgermq/protocol';
import { NamesrvPool, NamesrvRegistrar, TopicNotFoundError as NamesrvTopicNotFound } from '@ledgermq/namesrv';
import { RealFileSystem, VolatileFileSystem } from '@ledgermq/ledger';
import { AdminServer, initialVotersOf, openNodeLedger, RaftNode } from '@ledgermq/raft-node';
import { CommandKind, decodeCommand, decodeMessageBatch, encodeCommand, MessageType, StoreStateMachine, topicConfig, type TopicConfig } from '@ledgermq/store';
import type { Logger } from 'pino';
import { advertisedAdminAddress, type BrokerConfig } from './config/broker-config.ts';
import { Arrivals } from './consumer/arrivals.ts';
import { ReceiveService } from './consumer/receive-service.ts';
import { InternalError } from './errors.ts';
import { ForwardClient } from './forward/forward-client.ts';
import { forwardServiceDefinition } from './forward/forward-proto.ts';
import { encodeV2Message, forwardServiceImplementation } from './forward/forward-server.ts';
import { SendService } from './producer/send-service.ts';
import { StoredIdFilter } from './producer/stored-id-filter.ts';
import { storedIdGenerationIdsMax, storedIdGenerationsMax } from './constants.ts';
import { timerBusyRoundMs, TimerService } from './producer/timer-service.ts';
import { WakeTimer } from './producer/wake-timer.ts';
import { TransactionService, transactionTickMs } from './producer/transaction-service.ts';
import { dlqTopic, halfGroup, halfTopic, isSystemTopic, originOffsetKey, originQueueKey, originTopicKey, restage, timerGroup, timerTopic, visibleUserProperties } from './system-topics.ts';
import { acceptedTypes, toV2 } from './v2/message-convert.ts';
import type { RouteSource } from './route-source.ts';
import { storePort, storeStateMachine } from './store-adapter.ts';
import type { QueueMessage, StorePort } from './store-port.ts';
import { makeHandlers } from './v2/handlers.ts';
import { TelemetryHub } from './v2/telemetry.ts';
import { nodeOperations, operationsMetrics, type NodeOperations } from './admin/node-operations.ts';
import { LiveBrokerConfig } from './admin/live-config.ts';
import { ClientRegistry } from './clients/client-registry.ts';
import { instrumentHandlers } from './metrics/v2-instrument.ts';
import { streamingMethods, V2Server } from './v2/v2-server.ts';
import { WallClock, watchClockOffsetFile } from './wall-clock.ts';

/** How often a leader checks which peers it has not heard from. */
export const livenessCheckIntervalMs = 500;

/** A peer silent for two election timeouts counts as unreachable. */
function unreachableAfterMs(cfg: BrokerConfig): number {
  return 2 * cfg.node.tickMs * cfg.node.electionTicks;
}

/**
 * A node that heard from no peer for three base election timeouts (1.5 s by default) is cut off
 * (v2-server.ts): after a leader's death the followers' votes reach each other within one
 * randomized timeout (at most two base ones). So is a node that knows it was removed from the
 * group: no leader will tell it who leads.
 */
function cutOffAfterMs(cfg: BrokerConfig): number {
  return 3 * cfg.node.tickMs * cfg.node.electionTicks;
}

/** Committed consumer offsets are proposed at most this often. */
export const offsetCommitIntervalMs = 1_000;

export class BrokerNode {
  private v2Port = 0;
  private adminPort = 0;
  private readonly intervals: NodeJS.Timeout[] = [];
  /** Runs the timer service's rounds on the leader, when something is due (see wake-timer.ts). */
  private readonly timerWake = new WakeTimer(() => this.timerRound());
  private stopped = false;
  private lastTerm = -1;
  /** Metrics endpoint and broker admin service (admin/node-operations.ts). */
  private operations: NodeOperations | null = null;
  /** Stops the test-only clock-offset watcher (null: the real clock). */
  private stopClock: (() => void) | null = null;

  private constructor(
    readonly cfg: BrokerConfig,
    private readonly log: Logger,
    readonly raft: RaftNode,
    readonly store: StoreStateMachine,
    private readonly port: StorePort,
    private readonly v2: V2Server,
    private readonly admin: AdminServer,
    private readonly receive: ReceiveService,
    private readonly telemetry: TelemetryHub,
    private readonly registrar: NamesrvRegistrar | null,
    private readonly pool: NamesrvPool | null,
    private readonly forward: ForwardClient,
    private readonly timers: TimerService,
    private readonly transactions: TransactionService,
  ) {}

  static async start(cfg: BrokerConfig, log: Logger): Promise<BrokerNode> {
    // Every wall-clock reading of the services below goes through this one clock (wall-clock.ts).
    const clock = new WallClock();
    const nowMs = clock.now;
    const stopClock = cfg.clockOffsetFileForTests == null ? null : watchClockOffsetFile(clock, cfg.clockOffsetFileForTests, log.child({ component: 'clock' }));
    // updateBrokerConfig changes some keys at run time: the services read them through `live`.
    const live = new LiveBrokerConfig(cfg);
    cfg = live.config;
    const clients = new ClientRegistry({ nowMs: Date.now });
    const ledger = openNodeLedger(cfg.node, log);
    // Test only (power-loss): the ConsumeQueue files lose unfsynced writes on a kill, like the log.
    const storeFs = cfg.node.volatileWritesForTests === true ? { fs: new VolatileFileSystem(new RealFileSystem()) } : {};
    // The voters before any membership change: the store's conf() starts from them (without
    // them its first applied ConfChange started from no voters at all), and the Raft core
    // then need not scan the whole applied log for membership changes at start-up.
    const initialVoters = initialVotersOf(cfg.node.peers);
    const store = await StoreStateMachine.open({ dir: path.join(cfg.node.dataDir, 'store'), log: ledger, initialVoters, ...storeFs });
    const port = storePort(store);
    const metrics = operationsMetrics(cfg, store);
    const arrivals = new Arrivals();
    const storedIds = new StoredIdFilter(storedIdGenerationIdsMax, storedIdGenerationsMax);
    store.onApplied((r) => {
      if (r.type !== 'messages') return;
      for (const m of r.messages) if (m.uniqKey !== null) storedIds.add(m.uniqKey);
      arrivals.notify(r.topic);
    });
    void warmStoredIds(store, storedIds, log);
    // Filled in below: the services need the node, the node needs the forwarding service.
    let node: RaftNode | null = null;
    let v2: V2Server | null = null;
    let telemetryRef: TelemetryHub | null = null;
    const forwardImpl = forwardServiceImplementation(
      cfg.node.groupId,
      (m) => streamingMethods.has(m),
      (method, req, ctx) => v2!.dispatch(method, req, ctx) as Promise<unknown>,
      (topic, message, txId) => telemetryRef?.pushTransactionCheck(topic, message, txId) ?? false,
    );
    node = new RaftNode(cfg.node, {
      logger: log,
      stateMachine: storeStateMachine(store),
      ledger,
      onFsync: (seconds) => metrics.observeFsyncSeconds(seconds),
      extraServices: [{ definition: forwardServiceDefinition(), implementation: forwardImpl }],
    });
    const raft = node;
    const propose = (body: Uint8Array) => raft.propose(body);
    const term = () => raft.term();
    const storeHost = `${cfg.advertisedHost}:${cfg.listenPort}`;
    const topicFor = (t: string) => topicForWrite(cfg, store, propose, t);
    const send = new SendService({
      // The store keeps an entry's result only for a proposer that said it waits for it.
      propose: (body) => raft.propose(body, (i) => store.expectResult(i)),
      takeResult: (i) => store.takeResult(i),
      lookupUniqKey: (id) => store.index.byUniqKey(id),
      mightBeStored: (id) => storedIds.mightContain(id),
      topic: (t) => store.metadata.topic(t),
      topicForWrite: topicFor,
      storeHost,
      nowMs,
    });
    const receive = new ReceiveService({
      store: port,
      arrivals,
      nowMs,
      term,
      toDeadLetter: async (group, m, attempts) => {
        const input = restage(m.message, (u) => {
          u.set(originTopicKey, m.message.topic);
          u.set(originQueueKey, String(m.message.queueId));
          u.set(originOffsetKey, String(m.queueOffset));
        }, { reconsumeTimes: Math.max(0, attempts - 1) });
        const topic = dlqTopic(group);
        await send.send({ topic, type: MessageType.Normal, input }, topic);
        log.info({ group, topic: m.message.topic, queueId: m.message.queueId, offset: m.queueOffset, attempts }, 'message moved to the dead-letter queue');
      },
    });
    const timers = new TimerService(port, send, nowMs, log.child({ component: 'timer' }));
    const forward = new ForwardClient(cfg.node.selfId, cfg.node.groupId);
    const transactions = new TransactionService(
      live.transactionOptions(),
      {
        store: port, send, lookupUniqKey: (id) => store.index.byUniqKey(id), nowMs, log: log.child({ component: 'transaction' }),
        check: (topic, half, txId) => void pushCheck(raft, telemetryRef!, forward, topic, half, txId),
      },
    );
    const maxAttemptsOf = (g: string) => (store.metadata.group(g)?.retryMaxTimes ?? 16) + 1;
    const fifoOf = (g: string) => store.metadata.group(g)?.fifo ?? false;
    const telemetry = (telemetryRef = new TelemetryHub({ get maxBodyBytes() { return live.maxMessageBytes; }, clients, maxAttemptsOf, fifoOf, receiveBatchSize: 32, longPollingTimeoutMs: 20_000 }, log.child({ component: 'telemetry' })));
    const pool = cfg.namesrvAddrs.length > 0 ? new NamesrvPool(cfg.namesrvAddrs) : null;
    const routes = routeSource(cfg, pool);
    const handlers = makeHandlers({
      store: port, send, receive, routes,
      self: { brokerName: cfg.brokerName, host: cfg.advertisedHost, port: cfg.advertisedPort },
      get maxBodyBytes() { return live.maxMessageBytes; }, get timerDelayMsMax() { return live.timerDelayMsMax; }, delayLevelsMs: cfg.delayLevelsMs,
      get autoCreateTopic() { return live.autoCreateTopic; }, get defaultQueueNums() { return live.defaultTopicQueueNums; }, routeLeaderEntries: cfg.routeLeaderEntries, clients, maxAttemptsOf, fifoOf, nowMs, transactions, topicForWrite: topicFor, arrivals,
      commitOffset: async (group, topic, queueId, offset) => {
        await propose(encodeCommand({ kind: CommandKind.OffsetCommit, group, topic, queueId, offset }));
      },
    });
    v2 = new V2Server(instrumentHandlers(handlers, metrics), (call, ctx) => telemetry.handle(call, ctx), { leaderTarget: () => leaderTarget(raft), cutOff: () => raft.quietForMs() > cutOffAfterMs(cfg) || !raft.isVoter(), relayTarget: relayTarget(raft), isMember: (id) => raft.isVoter(id) }, forward, log.child({ component: 'v2' }), cfg.credentials);
    const admin = new AdminServer(raft, log.child({ component: 'admin' }), checkProposal);
    const registrar = cfg.namesrvAddrs.length > 0
      ? new NamesrvRegistrar({ addresses: cfg.namesrvAddrs, intervalMs: cfg.registerIntervalMs, registration: () => registration(cfg, raft, store), logger: log.child({ component: 'namesrv' }) })
      : null;
    const ops = nodeOperations({
      cfg, log, raft, store, ledger, admin, metrics, clients, live,
      inflight: (g, t) => receive.inflight(g, t),
      forgetQueue: (g, t, q) => receive.forget(g, t, q),
      adminAddressOf: (id) => adminAddressOf(pool, cfg.brokerName, id),
    });
    const b = new BrokerNode(cfg, log, raft, store, port, v2, admin, receive, telemetry, registrar, pool, forward, timers, transactions);
    b.operations = ops;
    b.stopClock = stopClock;
    await b.listen();
    await ops.start();
    return b;
  }

  get endpoints(): { v2Port: number; adminPort: number } {
    return { v2Port: this.v2Port, adminPort: this.adminPort };
  }

  private async listen(): Promise<void> {
    await this.raft.start();
    // The v2 endpoint listens before the admin endpoint: whoever learns from the admin status
    // that this node is up and caught up (harnesses, readiness probes, `ledgermq health`) may
    // point a client at it at once, and a client whose first connection is refused backs off.
    this.v2Port = await this.v2.listen(this.cfg.listenHost, this.cfg.listenPort);
    this.adminPort = await this.admin.listen(this.cfg.node.adminHost, this.cfg.node.adminPort);
    this.raft.onLeaderChange((leader) => {
      // Receipts and in-flight state are the old leader's: start over from the log.
      if (leader === null || leader.term !== this.lastTerm) {
        this.receive.reset();
        this.timers.reset();
        this.transactions.reset();
      }
      this.lastTerm = leader?.term ?? -1;
      // Forwards still waiting on a leader that is no longer it fail over to the new one now.
      const abandoned = this.forward.abandonExcept(leader === null || leader.self ? null : leader.peerAddress);
      if (abandoned > 0) this.log.info({ abandoned, leader: leader?.id ?? null }, 'leader changed: forwarded calls to the old leader abandoned and sent again');
      this.registrar?.trigger();
      if (leader?.self === true) this.timerWake.wake(0);
    });
    this.registrar?.start();
    // A leader re-registers as soon as the set of peers it cannot reach, or its configuration,
    // changes, so routes stop naming a dead or removed node within about an election timeout.
    let routed = '';
    this.intervals.push(setInterval(() => {
      const leads = this.raft.leader()?.self === true;
      const now = leads ? `${this.raft.unreachablePeers(this.unreachableAfterMs()).join(',')}|${this.raft.voters().join(',')}` : '';
      if (now !== routed) {
        routed = now;
        this.registrar?.trigger();
      }
    }, livenessCheckIntervalMs));
    this.intervals.push(setInterval(() => void this.commitOffsets(), offsetCommitIntervalMs));
    // A new timer message may be due before the round already scheduled.
    this.store.onApplied((r) => {
      if (r.type === 'messages' && r.topic === timerTopic && this.raft.leader()?.self === true) this.timerWake.wake(0);
    });
    this.intervals.push(setInterval(() => this.onLeader(() => this.transactions.tick()), transactionTickMs));
    this.log.info({ v2Port: this.v2Port, adminPort: this.adminPort, broker: this.cfg.brokerName, node: this.cfg.node.selfId }, 'broker node started');
  }

  /** Runs `fn` on a leader that serves (applied its no-op); a failure is logged, never thrown. */
  private onLeader(fn: () => void): void {
    if (this.stopped || this.raft.leader()?.self !== true || !this.raft.readyForReads()) return;
    try {
      fn();
    } catch (err) {
      this.log.error({ err }, 'leader task failed');
    }
  }

  /** One round of the timer service: only on a leader; until it serves, it polls for that. */
  private timerRound(): number | null {
    if (this.stopped || this.raft.leader()?.self !== true) return null;
    if (!this.raft.readyForReads()) return timerBusyRoundMs;
    this.onLeader(() => this.timers.tick());
    return this.timers.nextRoundInMs();
  }

  /** The leader replicates what consumers acknowledged: a failover then redelivers at most the in-flight window. */
  private async commitOffsets(): Promise<void> {
    if (this.stopped || this.raft.leader()?.self !== true) return;
    const dirty = this.receive.takeDirtyOffsets();
    const timer = this.timers.takeDirtyOffset();
    if (timer !== null) dirty.push([timerGroup, timerTopic, 0, timer]);
    const half = this.transactions.takeDirtyOffset();
    if (half !== null) dirty.push([halfGroup, halfTopic, 0, half]);
    await Promise.all(
      dirty.map(([group, topic, queueId, offset]) =>
        this.raft.propose(encodeCommand({ kind: CommandKind.OffsetCommit, group, topic, queueId, offset })).catch((err: Error) => {
          this.log.warn({ err, group, topic, queueId, offset }, 'consumer offset commit failed; retried with the next ack');
        }),
      ),
    );
  }

  private unreachableAfterMs(): number {
    return unreachableAfterMs(this.cfg);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.intervals) clearInterval(t);
    this.timerWake.stop();
    this.stopClock?.();
    await this.operations?.close();
    this.telemetry.closeAll();
    await this.registrar?.stop();
    await this.v2.close();
    await this.admin.close();
    this.forward.close();
    this.pool?.close();
    await this.raft.stop();
  }
}

function leaderTarget(raft: RaftNode): 'self' | string | null {
  const l = raft.leader();
  if (l === null) return null;
  if (!l.self) return l.peerAddress;
  return raft.readyForReads() ? 'self' : null;
}

/**
 * On a node removed from its group: the members' peer addresses in turn (one that is down
 * fails that call, and the client's retry gets the next). Null on a member.
 */
function relayTarget(raft: RaftNode): () => string | null {
  let turn = 0;
  return () => {
    if (raft.isVoter()) return null;
    const members = [...raft.peerAddresses()].filter(([id]) => raft.isVoter(id)).map(([, address]) => address);
    return members.length === 0 ? null : (members[turn++ % members.length] ?? null);
  };
}

/** Admin proposals must be entries the store can apply (benchmarks and tools use commands). */
function checkProposal(payload: Uint8Array): string | null {
  try {
    if (payload[0] === CommandKind.MessageBatch) decodeMessageBatch(payload);
    else decodeCommand(payload);
    return null;
  } catch (err) {
    return `not a store entry: ${(err as Error).message}`;
  }
}

/** Pushes a transaction check to a producer of the topic: one connected here, else on another node. */
async function pushCheck(raft: RaftNode, hub: TelemetryHub, forward: ForwardClient, topic: string, half: QueueMessage, txId: string): Promise<void> {
  const message = toV2(half.message, { topic, queueOffset: half.queueOffset, receiptHandle: '', deliveryAttempt: 1, invisibleMs: 0, type: MessageType.Transaction });
  const p = half.message.properties;
  message.user_properties = visibleUserProperties(p.user);
  if (hub.pushTransactionCheck(topic, message, txId)) return;
  const bytes = encodeV2Message(message);
  for (const address of raft.peerAddresses().values()) {
    if (await forward.pushCheck(address, { topic, message: bytes, transaction_id: txId })) return;
  }
}


/** Adds every id already in the index to the filter; until then it answers "maybe" for all. */
async function warmStoredIds(store: StoreStateMachine, filter: StoredIdFilter, log: Logger): Promise<void> {
  const t0 = performance.now();
  // Ids applied before onApplied fed the filter (the log tail replayed at open) are in LevelDB
  // or in the index's unflushed layers. The layers' ids are taken in the same turn as the
  // scan's LevelDB snapshot (see unflushedUniqKeys), so no id falls between the two.
  for (const id of store.index.unflushedUniqKeys()) filter.add(id);
  try {
    for await (const id of store.index.flushedUniqKeys()) filter.add(id);
  } catch (err) {
    log.warn({ err }, 'stored-id filter: index scan failed; every send is looked up in the index');
    return;
  }
  filter.markWarm();
  log.info({ ids: filter.size(), warm: filter.isWarm(), ms: Math.round(performance.now() - t0) }, 'stored-id filter loaded from the index');
}

async function topicForWrite(cfg: BrokerConfig, store: StoreStateMachine, propose: (b: Uint8Array) => Promise<unknown>, name: string): Promise<TopicConfig | undefined> {
  const existing = store.metadata.topic(name);
  // The broker's own topics (timer, halves, dead letters) always exist and have one queue.
  const system = isSystemTopic(name);
  if (existing !== undefined || (!cfg.autoCreateTopic && !system)) return existing;
  const queues = system ? 1 : cfg.defaultTopicQueueNums;
  const topic = topicConfig(name, { readQueueNums: queues, writeQueueNums: queues, messageType: system ? MessageType.Normal : MessageType.Mixed });
  await propose(encodeCommand({ kind: CommandKind.TopicCreate, topic }));
  return store.metadata.topic(name);
}


function registration(cfg: BrokerConfig, raft: RaftNode, store: StoreStateMachine) {
  const st = raft.status();
  const role = st.role === 'leader' ? 'LEADER' : st.role === 'follower' ? 'FOLLOWER' : 'CANDIDATE';
  const topics: NamesrvTopic[] = store.metadata.topics().map((t) => ({
    name: t.name, readQueueNums: t.readQueueNums, writeQueueNums: t.writeQueueNums, perm: t.perm, messageTypes: acceptedTypes(t.messageType),
  }));
  const selfIndex = Number(/(\d+)$/.exec(cfg.node.selfId)?.[1] ?? 0);
  return {
    clusterName: cfg.clusterName,
    brokerName: cfg.brokerName,
    brokerId: selfIndex + 1,
    nodeId: cfg.node.selfId,
    role: role as 'LEADER' | 'FOLLOWER' | 'CANDIDATE',
    raftTerm: st.term,
    unreachableNodeIds: st.role === 'leader' ? raft.unreachablePeers(unreachableAfterMs(cfg)) : [],
    voterIds: st.role === 'leader' ? [...st.conf.voters].sort() : [],
    v2Endpoint: { host: cfg.advertisedHost, port: cfg.advertisedPort },
    adminAddress: advertisedAdminAddress(cfg),
    topics,
  };
}

function routeSource(cfg: BrokerConfig, pool: NamesrvPool | null): RouteSource {
  return {
    async queryRoute(topic: string): Promise<TopicRoute | null> {
      if (pool === null) return null;
      try {
        return await pool.queryRoute(topic);
      } catch (err) {
        if (err instanceof NamesrvTopicNotFound) return null;
        throw new InternalError(`route of ${topic}: ${(err as Error).message}`, { cause: err });
      }
    },
    async groupNodes(): Promise<readonly NodeRoute[]> {
      if (pool === null) return [];
      try {
        const clusters = await pool.clusterInfo();
        for (const c of clusters) for (const g of c.groups) if (g.brokerName === cfg.brokerName) return g.nodes;
      } catch {
        /* no NameServer reachable: the caller answers for this node alone */
      }
      return [];
    },
  };
}

/** A node's admin endpoint as the NameServers list it ('' when none answers or lists it). */
async function adminAddressOf(pool: NamesrvPool | null, brokerName: string, nodeId: string): Promise<string> {
  if (pool === null) return '';
  try {
    for (const c of await pool.clusterInfo()) {
      for (const g of c.groups) if (g.brokerName === brokerName) return g.nodes.find((n) => n.nodeId === nodeId)?.adminAddress ?? '';
    }
  } catch {
    /* no NameServer reachable */
  }
  return '';
}
