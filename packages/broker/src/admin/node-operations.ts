// Metrics and the admin service of one broker node, put together from the node's parts. The
// broker node calls operationsMetrics() early (the v2 handlers are wrapped with it) and
// nodeOperations() once its parts exist; it starts the result after its own endpoints listen
// and closes it first when it stops.

import type { Ledger } from '@ledgermq/ledger';
import type { AdminServer, RaftNode } from '@ledgermq/raft-node';
import type { StoreStateMachine } from '@ledgermq/store';
import type { Logger } from 'pino';
import type { BrokerConfig } from '../config/broker-config.ts';
import { BrokerMetrics, type ConsumerGauge } from '../metrics/broker-metrics.ts';
import { nodeLabels } from '../metrics/metric-names.ts';
import { MetricsServer } from '../metrics/metrics-server.ts';
import { brokerAdminServiceDefinition } from './broker-admin-proto.ts';
import { brokerAdminImplementation } from './broker-admin-server.ts';
import { BrokerAdminService } from './broker-admin-service.ts';

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
  const selfAdmin = `${cfg.node.adminHost}:${cfg.node.adminPort}`;
  raft.onLeaderChange((l) => metrics.setLeader(l?.self === true));
  metrics.setSources({
    raft: () => raft.status(),
    consumers: () => consumerGauges(store, p.inflight),
    storageBytes: () => ({ commitlog: p.ledger.status().bytes }),
  });
  const service = new BrokerAdminService({
    cfg, store, raft, log: p.ledger, traffic: metrics.traffic,
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

/** Lag and in-flight count of every group that committed an offset, per topic. */
export function consumerGauges(store: StoreStateMachine, inflight: (group: string, topic: string) => number): ConsumerGauge[] {
  const lag = new Map<string, { topic: string; group: string; lag: number }>();
  for (const [key] of store.metadata.encodedEntries()) {
    if (!key.startsWith('offset/')) continue;
    const [group, topic, q] = key.slice('offset/'.length).split('\u0000');
    if (group === undefined || topic === undefined || q === undefined || systemGroup.test(group)) continue;
    const queueId = Number(q);
    const committed = store.metadata.consumerOffset(group, topic, queueId) ?? 0;
    const next = store.queueState(topic, queueId)?.nextOffset ?? 0;
    const k = `${group}\u0000${topic}`;
    const e = lag.get(k) ?? { topic, group, lag: 0 };
    e.lag += Math.max(0, next - committed);
    lag.set(k, e);
  }
  return [...lag.values()].map((e) => ({ ...e, inflight: inflight(e.group, e.topic) }));
}
