// Metrics and the admin service of one broker node, put together from the node's parts. The
// broker node calls operationsMetrics() early (the v2 handlers are wrapped with it) and
// nodeOperations() once its parts exist; it starts the result after its own endpoints listen
// and closes it first when it stops.

import type { Ledger } from '@ledgermq/ledger';
import type { AdminServer, RaftNode } from '@ledgermq/raft-node';
import type { StoreStateMachine } from '@ledgermq/store';
import type { Logger } from 'pino';
import { advertisedAdminAddress, type BrokerConfig } from '../config/broker-config.ts';
import type { ClientRegistry } from '../clients/client-registry.ts';
import { BrokerMetrics, type ConsumerGauge } from '../metrics/broker-metrics.ts';
import { nodeLabels } from '../metrics/metric-names.ts';
import { MetricsServer } from '../metrics/metrics-server.ts';
import { brokerAdminServiceDefinition } from './broker-admin-proto.ts';
import { brokerAdminImplementation } from './broker-admin-server.ts';
import { BrokerAdminService } from './broker-admin-service.ts';
import type { LiveBrokerConfig } from './live-config.ts';

export const brokerVersionDesc = 'LedgerMQ-0.1.0';

/** The node's metrics, fed by applied batches from now on (fsyncs: RaftNodeDeps.onFsync). */
export function operationsMetrics(cfg: BrokerConfig, store: StoreStateMachine): BrokerMetrics {
  const metrics = new BrokerMetrics(nodeLabels(cfg.clusterName, cfg.brokerName, cfg.node.selfId));
  store.onApplied((r) => {
    if (r.type === 'messages') metrics.messagesStored(r.topic, r.messages);
  });
  return metrics;
}

export interface OperationsParts {
  readonly cfg: BrokerConfig;
  readonly log: Logger;
  readonly raft: RaftNode;
  readonly store: StoreStateMachine;
  readonly ledger: Ledger;
  readonly admin: AdminServer;
  readonly metrics: BrokerMetrics;
  /** Connected producers and consumers (fed by Telemetry and Heartbeat). */
  readonly clients: ClientRegistry;
  /** The config keys updateBrokerConfig changes at run time. */
  readonly live: LiveBrokerConfig;
  inflight(group: string, topic: string): number;
  forgetQueue(group: string, topic: string, queueId: number): void;
  /** host:port of another node's admin endpoint by Raft id ('' when unknown). */
  adminAddressOf(nodeId: string): Promise<string>;
}

export interface NodeOperations {
  /** Starts the metrics endpoint; resolves with its port. */
  start(): Promise<number>;
  close(): Promise<void>;
}

/** Registers the broker admin service on the admin endpoint (before it listens). */
export function nodeOperations(p: OperationsParts): NodeOperations {
  const { cfg, raft, store, metrics } = p;
  const selfAdmin = advertisedAdminAddress(cfg);
  raft.onLeaderChange((l) => metrics.setLeader(l?.self === true));
  metrics.setSources({
    raft: () => ({ ...raft.status(), beacons: raft.beaconStats() }),
    consumers: () => consumerGauges(store, p.inflight),
    storageBytes: () => ({ commitlog: p.ledger.status().bytes }),
  });
  const service = new BrokerAdminService({
    cfg, store, raft, log: p.ledger, traffic: metrics.traffic, topicStats: metrics.topics, clients: p.clients, live: p.live,
    consumerLag: () => consumerGauges(store, () => 0),
    inflight: p.inflight, forgetQueue: p.forgetQueue,
    leaderAdminAddress: async () => {
      const l = raft.leader();
      if (l === null) return '';
      return l.self ? selfAdmin : p.adminAddressOf(l.id);
    },
    storeHost: `${cfg.advertisedHost}:${cfg.listenPort}`,
    version: brokerVersionDesc,
    bootTimestampMs: Date.now(),
    nowMs: Date.now,
  });
  p.admin.addService(brokerAdminServiceDefinition(), brokerAdminImplementation(service, p.log.child({ component: 'broker-admin' })));
  const server = new MetricsServer(metrics, p.log.child({ component: 'metrics' }));
  let listening = false;
  return {
    async start() {
      const port = await server.listen(cfg.node.adminHost, cfg.metricsPort);
      listening = true;
      p.log.info({ metricsPort: port }, 'metrics endpoint listening');
      return port;
    },
    async close() {
      if (listening) await server.close();
    },
  };
}

const systemGroup = /^(rmq_sys_|%)/;

/**
 * Lag and in-flight count of every group that committed an offset, per topic: over every queue
 * of the topic (a queue the group has not committed on yet counts from 0, as consumerProgress).
 */
export function consumerGauges(store: StoreStateMachine, inflight: (group: string, topic: string) => number): ConsumerGauge[] {
  const queuesOf = new Map<string, { topic: string; group: string; queues: number }>();
  for (const [key] of store.metadata.encodedEntries()) {
    if (!key.startsWith('offset/')) continue;
    const [group, topic, q] = key.slice('offset/'.length).split('\u0000');
    if (group === undefined || topic === undefined || q === undefined || systemGroup.test(group)) continue;
    const k = `${group}\u0000${topic}`;
    const e = queuesOf.get(k) ?? { topic, group, queues: store.metadata.topic(topic)?.readQueueNums ?? 0 };
    e.queues = Math.max(e.queues, Number(q) + 1);
    queuesOf.set(k, e);
  }
  return [...queuesOf.values()].map(({ topic, group, queues }) => {
    let lag = 0;
    for (let q = 0; q < queues; q++) {
      const committed = store.metadata.consumerOffset(group, topic, q) ?? 0;
      lag += Math.max(0, (store.queueState(topic, q)?.nextOffset ?? 0) - committed);
    }
    return { topic, group, lag, inflight: inflight(group, topic) };
  });
}
