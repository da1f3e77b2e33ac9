// Client of one NameServer: what brokers (registration), v2 endpoints (routes) and the CLI
// (cluster and topic lists) use. Every call has a deadline; failures come back as the error
// classes of errors.ts, each saying whether a retry may succeed.

import * as grpc from '@grpc/grpc-js';
import {
  checkNodeKey,
  checkRegistration,
  checkTopicName,
  InvalidFieldError,
  namesrvChannelOptions,
  namesrvErrorCodeHeader,
  namesrvServiceClient,
  type BrokerRegistration,
  type ClusterInfo,
  type NodeKey,
  type RegisterResult,
  type TopicRoute,
} from '@ledgermq/protocol';
import { assert } from './assert.ts';
import { callTimeoutMsDefault } from './constants.ts';
import {
  BrokerIdConflictError,
  ClusterMismatchError,
  InvalidRequestError,
  NamesrvClosedError,
  NamesrvInternalError,
  NamesrvTimeoutError,
  NamesrvUnavailableError,
  TopicNotFoundError,
  type NamesrvError,
} from './errors.ts';

export interface NamesrvClientOptions {
  /** Deadline of each call (default 3 s). */
  readonly timeoutMs?: number;
}

type Callback = (err: grpc.ServiceError | null, res: unknown) => void;
type Method = (req: object, metadata: grpc.Metadata, options: grpc.CallOptions, cb: Callback) => grpc.ClientUnaryCall;

export class NamesrvClient {
  readonly address: string;
  readonly timeoutMs: number;
  private readonly client: grpc.Client & Record<string, Method>;
  private closed = false;

  /** `address` is host:port of one NameServer. */
  constructor(address: string, options: NamesrvClientOptions = {}) {
    this.address = address;
    this.timeoutMs = options.timeoutMs ?? callTimeoutMsDefault;
    assert(Number.isFinite(this.timeoutMs) && this.timeoutMs > 0, `timeoutMs ${this.timeoutMs}`);
    const Ctor = namesrvServiceClient();
    this.client = new Ctor(address, grpc.credentials.createInsecure(), {
      ...namesrvChannelOptions,
      'grpc.enable_retries': 0,
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1_000,
    }) as grpc.Client & Record<string, Method>;
  }

  /** Registers or refreshes one broker node (checked here first: a bad one is never sent). */
  async register(registration: BrokerRegistration): Promise<RegisterResult> {
    const reg = this.check(() => checkRegistration(registration));
    const res = (await this.call('RegisterBroker', reg)) as RegisterResult;
    return { expireMs: res.expireMs, leaderNodeId: res.leaderNodeId, liveNodes: res.liveNodes, applied: res.applied };
  }

  /** Removes one node at once; false when the NameServer did not know it. */
  async unregister(key: NodeKey): Promise<boolean> {
    const k = this.check(() => checkNodeKey(key));
    const res = (await this.call('UnregisterBroker', { ...k, incarnation: k.incarnation ?? '' })) as { removed: boolean };
    return res.removed;
  }

  /** Every live broker group serving the topic; TopicNotFoundError when there is none. */
  async queryRoute(topic: string): Promise<TopicRoute> {
    const name = this.check(() => checkTopicName(topic));
    return (await this.call('QueryRoute', { topic: name })) as TopicRoute;
  }

  async clusterInfo(): Promise<ClusterInfo[]> {
    const res = (await this.call('GetClusterInfo', {})) as { clusters: ClusterInfo[] };
    return res.clusters;
  }

  async listTopics(): Promise<string[]> {
    const res = (await this.call('ListTopics', {})) as { topics: string[] };
    return res.topics;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.close();
  }

  private check<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof InvalidFieldError) throw new InvalidRequestError(err.message, { cause: err });
      throw err;
    }
  }

  private call(method: string, request: object): Promise<unknown> {
    if (this.closed) return Promise.reject(new NamesrvClosedError(this.address));
    const fn = this.client[method];
    assert(typeof fn === 'function', `no method ${method}`);
    return new Promise((resolve, reject) => {
      fn.call(this.client, request, new grpc.Metadata(), { deadline: Date.now() + this.timeoutMs }, (err, res) => {
        if (err) reject(this.toError(method, request, err));
        else resolve(res);
      });
    });
  }

  private toError(method: string, request: object, err: grpc.ServiceError): NamesrvError {
    const code = String(err.metadata?.get(namesrvErrorCodeHeader)[0] ?? '');
    const details = err.details || err.message;
    switch (err.code) {
      case grpc.status.NOT_FOUND:
        return new TopicNotFoundError(String((request as { topic?: unknown }).topic ?? ''), { cause: err });
      case grpc.status.INVALID_ARGUMENT:
        return new InvalidRequestError(details, { cause: err });
      case grpc.status.FAILED_PRECONDITION:
        if (code === BrokerIdConflictError.code) return new BrokerIdConflictError(details, { cause: err });
        if (code === ClusterMismatchError.code) return new ClusterMismatchError(details, { cause: err });
        return new NamesrvInternalError(`${method}: ${details}`, { cause: err });
      case grpc.status.DEADLINE_EXCEEDED:
        return new NamesrvTimeoutError(this.address, method, this.timeoutMs, { cause: err });
      case grpc.status.UNAVAILABLE:
        return new NamesrvUnavailableError(this.address, { cause: err });
      case grpc.status.CANCELLED:
        if (this.closed) return new NamesrvClosedError(this.address, { cause: err });
        return new NamesrvUnavailableError(this.address, { cause: err });
      default:
        return new NamesrvInternalError(`NameServer ${this.address}: ${method} failed: ${details}`, { cause: err });
    }
  }
}
