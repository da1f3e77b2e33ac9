// Calls the leader's BrokerForward service with a v2 request, on behalf of a client that
// called this node. One gRPC channel per leader address, replaced when the leader moves.

import * as grpc from '@grpc/grpc-js';
import { Client, credentials, Metadata, type ClientUnaryCall, type ServiceError } from '@grpc/grpc-js';
import { messagingServiceDefinition } from '@ledgermq/protocol';
import { assert } from '../assert.ts';
import { forwardInflightMax, forwardTimeoutMs, grpcMessageBytesMax } from '../constants.ts';
import { ForwardBusyError, ForwardFailedError } from '../errors.ts';
import { forwardGroupHeader, forwardServiceDefinition, type ForwardReply, type ForwardRequest, type PushCheckRequest } from './forward-proto.ts';

const pushCheckTimeoutMs = 2_000;
const pushClientsMax = 16;

type GenericClient = Client & Record<string, (...args: unknown[]) => unknown>;

/** A forwarded call in flight, to `address`; `abandoned` once the leader moved away from it. */
interface InflightCall {
  readonly address: string;
  cancel(): void;
  abandoned: boolean;
}

export class ForwardClient {
  private client: GenericClient | null = null;
  private address = '';
  /** Calls in flight (bounded by forwardInflightMax), so a leader change can abandon those still waiting on the old leader. */
  private readonly calls = new Set<InflightCall>();
  /** One channel per other node of the group, for pushes (not replaced when the leader moves). */
  private readonly pushClients = new Map<string, GenericClient>();

  constructor(
    private readonly selfId: string,
    private readonly groupId: string,
  ) {}

  /** Runs a unary v2 method on the node at `address` (the leader). */
  async call<Res>(address: string, method: string, request: unknown, headers: Record<string, string>): Promise<Res> {
    const [reply] = await this.run(address, 'Call', method, request, headers);
    assert(reply !== undefined, `no reply to forwarded ${method}`);
    return reply as Res;
  }

  /** Runs a server-streaming v2 method; resolves with every response, in order. */
  stream<Res>(address: string, method: string, request: unknown, headers: Record<string, string>): Promise<Res[]> {
    return this.run(address, 'Stream', method, request, headers) as Promise<Res[]>;
  }

  /**
   * The leader is now at `leaderAddress` (null: this node, or none known): every forwarded call
   * still waiting on another address is cancelled and fails as "leader unreachable", so the
   * caller forwards it once more to the new leader. Without this, a call to a leader that froze
   * (paused, partitioned away) hung for its whole deadline while a successor was already serving.
   * Repeating is safe: sends de-duplicate by message id, the rest are at-least-once. Returns
   * how many were abandoned.
   */
  abandonExcept(leaderAddress: string | null): number {
    let n = 0;
    for (const c of [...this.calls]) {
      if (c.address === leaderAddress || c.abandoned) continue;
      c.abandoned = true;
      c.cancel();
      n += 1;
    }
    return n;
  }

  close(): void {
    this.client?.close();
    this.client = null;
    for (const c of this.pushClients.values()) c.close();
    this.pushClients.clear();
  }

  /** Leader -> another node: push a transaction check there. Resolves with "delivered". */
  pushCheck(address: string, req: PushCheckRequest): Promise<boolean> {
    let c = this.pushClients.get(address);
    if (c === undefined) {
      if (this.pushClients.size >= pushClientsMax) this.close();
      c = new (makeClientConstructor())(address, credentials.createInsecure(), { 'grpc.max_send_message_length': grpcMessageBytesMax }) as GenericClient;
      this.pushClients.set(address, c);
    }
    const md = new Metadata();
    md.set(forwardGroupHeader, this.groupId);
    return new Promise((resolve) => {
      (c!.PushCheck as (r: PushCheckRequest, m: Metadata, o: object, cb: (e: ServiceError | null, r?: { delivered: boolean }) => void) => void)(
        req, md, { deadline: Date.now() + pushCheckTimeoutMs }, (err, reply) => resolve(err === null && reply?.delivered === true),
      );
    });
  }

  private async run(address: string, kind: 'Call' | 'Stream', method: string, request: unknown, headers: Record<string, string>): Promise<unknown[]> {
    const def = messagingServiceDefinition()[method];
    assert(def !== undefined, `unknown v2 method ${method}`);
    if (this.calls.size >= forwardInflightMax) throw new ForwardBusyError(forwardInflightMax);
    // A follower's SendMessage is already bytes (raw-send.ts).
    const body: ForwardRequest = { method, request: Buffer.isBuffer(request) ? request : def.requestSerialize(request), headers, from: this.selfId };
    const md = new Metadata();
    md.set(forwardGroupHeader, this.groupId);
    const deadline = Date.now() + forwardTimeoutMs + longPollMsOf(request);
    const client = this.clientFor(address);
    const tracked: InflightCall = { address, cancel: () => {}, abandoned: false };
    this.calls.add(tracked);
    try {
      const replies = kind === 'Call' ? [await unary(client, body, md, deadline, tracked)] : await collect(client, body, md, deadline, tracked);
      return replies.map((r) => def.responseDeserialize(r.response));
    } catch (err) {
      throw new ForwardFailedError(method, address, err as ServiceError, tracked.abandoned);
    } finally {
      this.calls.delete(tracked);
    }
  }

  private clientFor(address: string): GenericClient {
    if (this.client !== null && this.address === address) return this.client;
    this.client?.close();
    const Ctor = makeClientConstructor();
    this.client = new Ctor(address, credentials.createInsecure(), {
      'grpc.max_receive_message_length': grpcMessageBytesMax,
      'grpc.max_send_message_length': grpcMessageBytesMax,
    }) as GenericClient;
    this.address = address;
    return this.client;
  }
}

type ClientCtor = new (...args: ConstructorParameters<typeof Client>) => Client;
let ctor: ClientCtor | null = null;
function makeClientConstructor(): ClientCtor {
  ctor ??= grpc.makeGenericClientConstructor(forwardServiceDefinition(), 'BrokerForward') as unknown as ClientCtor;
  return ctor;
}

function unary(client: GenericClient, body: ForwardRequest, md: Metadata, deadline: number, tracked: InflightCall): Promise<ForwardReply> {
  return new Promise((resolve, reject) => {
    const call = (client.Call as (b: ForwardRequest, m: Metadata, o: object, cb: (e: ServiceError | null, r?: ForwardReply) => void) => ClientUnaryCall)(
      body, md, { deadline }, (err, reply) => (err ? reject(err) : resolve(reply as ForwardReply)),
    );
    tracked.cancel = () => call.cancel();
  });
}

function collect(client: GenericClient, body: ForwardRequest, md: Metadata, deadline: number, tracked: InflightCall): Promise<ForwardReply[]> {
  return new Promise((resolve, reject) => {
    const out: ForwardReply[] = [];
    const call = (client.Stream as (b: ForwardRequest, m: Metadata, o: object) => NodeJS.EventEmitter & { cancel(): void })(body, md, { deadline });
    tracked.cancel = () => call.cancel();
    call.on('data', (r: ForwardReply) => out.push(r));
    call.on('error', reject);
    call.on('end', () => resolve(out));
  });
}

/** A long-polling receive may hold the call for its polling time: extend the deadline by it. */
function longPollMsOf(request: unknown): number {
  const lp = (request as { long_polling_timeout?: { seconds?: string | number; nanos?: number } | null }).long_polling_timeout;
  if (lp === undefined || lp === null) return 0;
  return Number(lp.seconds ?? 0) * 1000 + Math.floor((lp.nanos ?? 0) / 1e6);
}
