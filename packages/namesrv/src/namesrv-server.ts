// The NameServer's gRPC endpoint (ledgermq.namesrv.NameServer) around a RouteTable, with the
// periodic scan that removes expired nodes. Transport only: the rules live in route-table.ts,
// the message checks in @ledgermq/protocol's namesrv-codec.

import { performance } from 'node:perf_hooks';
import * as grpc from '@grpc/grpc-js';
import {
  checkNodeKey,
  checkRegistration,
  checkTopicName,
  InvalidFieldError,
  namesrvChannelOptions,
  namesrvErrorCodeHeader,
  namesrvServiceDefinition,
} from '@ledgermq/protocol';
import { assert } from './assert.ts';
import { brokerExpireMsDefault, scanIntervalMsDefault, shutdownGraceMsDefault } from './constants.ts';
import { InvalidRequestError, NamesrvError, TopicNotFoundError } from './errors.ts';
import { silentLogger, type NamesrvLogger } from './logger.ts';
import { RouteTable } from './route-table.ts';

export interface NamesrvServerOptions {
  /** A node not heard from for longer than this is dropped (default 120 s). */
  readonly expireMs?: number;
  /** How often expired nodes are removed (default 10 s). */
  readonly scanIntervalMs?: number;
  readonly logger?: NamesrvLogger;
  /** Monotonic milliseconds (default `performance.now()`). */
  readonly now?: () => number;
}

type Unary<Req> = (call: grpc.ServerUnaryCall<Req, unknown>, callback: grpc.sendUnaryData<unknown>) => void;

export class NamesrvServer {
  readonly table: RouteTable;
  readonly expireMs: number;
  readonly scanIntervalMs: number;
  private readonly log: NamesrvLogger;
  private readonly now: () => number;
  private readonly server = new grpc.Server(namesrvChannelOptions);
  private scanTimer: NodeJS.Timeout | null = null;
  private state: 'new' | 'listening' | 'closed' = 'new';

  constructor(options: NamesrvServerOptions = {}) {
    this.expireMs = options.expireMs ?? brokerExpireMsDefault;
    this.scanIntervalMs = options.scanIntervalMs ?? scanIntervalMsDefault;
    assert(Number.isFinite(this.scanIntervalMs) && this.scanIntervalMs > 0, `scanIntervalMs ${this.scanIntervalMs}`);
    this.log = options.logger ?? silentLogger;
    this.now = options.now ?? (() => performance.now());
    this.table = new RouteTable({ expireMs: this.expireMs });
    this.server.addService(namesrvServiceDefinition(), {
      RegisterBroker: this.unary('RegisterBroker', (req) => this.register(req)),
      UnregisterBroker: this.unary('UnregisterBroker', (req) => this.unregister(req)),
      QueryRoute: this.unary('QueryRoute', (req) => this.queryRoute(req)),
      GetClusterInfo: this.unary('GetClusterInfo', () => ({ clusters: this.table.clusterInfo(this.now()) })),
      ListTopics: this.unary('ListTopics', () => ({ topics: this.table.topics(this.now()) })),
    });
  }

  /** Binds and starts the scan; resolves to the bound port (useful with port 0). */
  async listen(host: string, port: number): Promise<number> {
    assert(this.state === 'new', `listen on a ${this.state} server`);
    const bound = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync(`${host.includes(':') ? `[${host}]` : host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      );
    });
    this.state = 'listening';
    this.scanTimer = setInterval(() => this.scan(), this.scanIntervalMs);
    this.scanTimer.unref();
    return bound;
  }

  /** Removes expired nodes now (also what the timer does). */
  scan(): void {
    for (const e of this.table.scan(this.now())) {
      this.log.warn({ cluster: e.clusterName, broker: e.brokerName, node: e.nodeId, silentMs: Math.round(e.silentMs) }, 'broker node expired');
    }
  }

  /** Stops taking calls: waits for calls in flight up to `graceMs`, then cancels them. */
  async close(graceMs = shutdownGraceMsDefault): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (this.scanTimer) clearInterval(this.scanTimer);
    this.scanTimer = null;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      force.unref();
      this.server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }

  private register(req: unknown): object {
    const reg = checkRegistration(req);
    const out = this.table.register(reg, this.now());
    const fields = { cluster: reg.clusterName, broker: reg.brokerName, node: reg.nodeId, role: reg.role, term: reg.raftTerm, topics: reg.topics.length };
    if (!out.applied) this.log.debug({ ...fields, incarnation: reg.incarnation, sequence: reg.sequence }, 'stale registration ignored');
    else if (out.firstSeen) this.log.info({ ...fields, v2Endpoint: `${reg.v2Endpoint.host}:${reg.v2Endpoint.port}` }, 'broker node registered');
    else if (out.changed) this.log.info(fields, 'broker node changed');
    if (out.leaderChanged) this.log.info({ cluster: reg.clusterName, broker: reg.brokerName, leader: out.leaderNodeId || null }, 'broker group leader changed');
    return { expireMs: out.expireMs, leaderNodeId: out.leaderNodeId, liveNodes: out.liveNodes, applied: out.applied };
  }

  private unregister(req: unknown): object {
    const key = checkNodeKey(req);
    const removed = this.table.unregister(key, this.now());
    if (removed) this.log.info({ cluster: key.clusterName, broker: key.brokerName, node: key.nodeId }, 'broker node unregistered');
    return { removed };
  }

  private queryRoute(req: unknown): object {
    const topic = checkTopicName((req as { topic?: unknown }).topic);
    const route = this.table.queryRoute(topic, this.now());
    if (route === null) throw new TopicNotFoundError(topic);
    return route;
  }

  private unary<Req>(method: string, handler: (req: Req) => object): Unary<Req> {
    return (call, callback) => {
      try {
        callback(null, handler(call.request));
      } catch (err) {
        callback(this.toStatus(method, err));
      }
    };
  }

  private toStatus(method: string, err: unknown): Partial<grpc.StatusObject> {
    const metadata = new grpc.Metadata();
    if (err instanceof TopicNotFoundError) {
      metadata.set(namesrvErrorCodeHeader, err.code);
      return { code: grpc.status.NOT_FOUND, details: err.message, metadata };
    }
    if (err instanceof InvalidFieldError) {
      metadata.set(namesrvErrorCodeHeader, InvalidRequestError.code);
      return { code: grpc.status.INVALID_ARGUMENT, details: err.message, metadata };
    }
    if (err instanceof NamesrvError) {
      metadata.set(namesrvErrorCodeHeader, err.code);
      return { code: grpc.status.FAILED_PRECONDITION, details: err.message, metadata };
    }
    this.log.error({ err, method }, 'NameServer call failed');
    metadata.set(namesrvErrorCodeHeader, 'INTERNAL');
    return { code: grpc.status.INTERNAL, details: `${method} failed: ${(err as Error)?.message ?? String(err)}`, metadata };
  }
}
