// The v2 endpoint (apache.rocketmq.v2.MessagingService) of one broker node. Any node accepts
// any call: calls that read or change the group's state run on the leader, so a follower
// forwards them there (BrokerForward on the peer port); calls about this connection
// (routes, heartbeats, settings) are answered here.

import { Server, ServerCredentials, status as grpcStatus, type sendUnaryData, type ServerDuplexStream, type ServerUnaryCall, type ServerWritableStream, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { Code, messagingServiceDefinition, v2Headers, v2ServerChannelOptions, type v2 } from '@ledgermq/protocol';
import type { Logger } from 'pino';
import { v2StreamsPerConnectionMax } from '../constants.ts';
import { BrokerError, ForwardFailedError, NoLeaderError } from '../errors.ts';
import type { ForwardClient } from '../forward/forward-client.ts';
import { ackSpec, CallCoalescer } from '../forward/call-coalescer.ts';
import { decodeSendRequest, rawSendSpec } from '../forward/raw-send.ts';
import { authenticate, type Credentials } from './auth.ts';
import { contextFromHeaders, mqHeaders, type CallContext } from './call-context.ts';
import { qualifyRequest, unqualifyResponse } from './namespace.ts';

/** Methods that must run on the leader. */
export const leaderMethods = new Set([
  'SendMessage', 'ReceiveMessage', 'AckMessage', 'ChangeInvisibleDuration', 'EndTransaction',
  'ForwardMessageToDeadLetterQueue', 'PullMessage', 'UpdateOffset', 'GetOffset', 'QueryOffset',
]);
export const streamingMethods = new Set(['ReceiveMessage', 'PullMessage']);
/** How long a leader-only call waits for an election to finish before answering "no leader". */
export const leaderWaitMs = 3_000;
const leaderPollMs = 20;

/** Implementation of every unary/streaming method; streaming ones resolve with all responses. */
export type V2Handlers = Record<string, (request: any, ctx: CallContext) => Promise<any>>;

export interface TelemetryHandler {
  (call: ServerDuplexStream<any, any>, ctx: CallContext): void;
}

export interface LeaderLocator {
  /** 'self' when this node leads and may serve; the leader's peer address; or null (no leader). */
  leaderTarget(): 'self' | string | null;
  /**
   * True while this node hears from no other member (a partition), or knows it is no longer a
   * member (removed): waiting for a leader would only run out the client's own timeout, so a
   * call answers "no leader" at once and the client retries on another node. Absent: never.
   */
  cutOff?(): boolean;
  /**
   * A node removed from the group (it hears from no leader any more): the peer address of a
   * member that may pass its leader calls on to the leader, one hop more. Absent or null: none.
   */
  relayTarget?(): string | null;
  /** Whether `nodeId` is a voter of the group here; absent: every forwarder counts as one. */
  isMember?(nodeId: string): boolean;
}

export class V2Server {
  private server: Server | null = null;
  /** The sends (acks) of one turn go to the leader as one forwarded call (call-coalescer.ts). */
  private readonly acks = new CallCoalescer(ackSpec, (target, req, headers) => this.forward.call(target, 'AckMessage', req, headers), v2Headers.namespace);
  /** SendMessage arrives as bytes (raw-send.ts): a follower merges and forwards them undecoded. */
  private readonly rawSends = new CallCoalescer(rawSendSpec, (target, req, headers) => this.forward.call(target, 'SendMessage', req, headers), v2Headers.namespace);

  constructor(
    private readonly handlers: V2Handlers,
    private readonly telemetry: TelemetryHandler,
    private readonly locator: LeaderLocator,
    private readonly forward: ForwardClient,
    private readonly log: Logger,
    private readonly credentials: readonly Credentials[] = [],
  ) {}

  /**
   * Two limits keep a flood of client calls from holding the leader's event loop past its
   * followers' election timeout (their heartbeats wait for the loop's next turn):
   * - Node's HTTP/2 receive windows, 64 KiB per stream and per connection (the peer port widens
   *   both: transport's receive-window.ts). A connection's window is the most its client can
   *   have queued in this node's socket, and one turn reads what is queued: with 256 KiB per
   *   connection, four raw clients offering 5,000 single-message sends a second unseated the
   *   leader, which with 64 KiB they did not. A wider window made batched sends 10-25 % faster.
   * - At most v2StreamsPerConnectionMax calls open per connection, the rest queued in the
   *   client. With no limit, sixteen such clients unseated the leader in 5 runs of 11 (its Raft
   *   tick waited up to 675 ms); with 128, in none of 12 (at most 370 ms).
   */
  async listen(host: string, port: number): Promise<number> {
    const server = new Server({ ...v2ServerChannelOptions, 'grpc.max_concurrent_streams': v2StreamsPerConnectionMax });
    server.addService(rawSendDefinition(), this.implementation());
    this.server = server;
    return new Promise((resolve, reject) => {
      server.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound)));
    });
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server === null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, 2_000);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Runs a method where it belongs: here on the leader, else forwarded to the leader. */
  async dispatch(method: string, request: unknown, ctx: CallContext): Promise<unknown> {
    const handler = this.handlers[method];
    if (handler === undefined) return errorResponse(method, Code.NOT_IMPLEMENTED, `${method} is not supported`);
    try {
      // Peers forwarding a call already checked the client's signature (and are in the group).
      if (ctx.forwardedFrom === null) authenticate(ctx.headers, this.credentials);
      if (!leaderMethods.has(method)) return await runInNamespace(handler, request, ctx);
      const target = await this.awaitLeader();
      if (target === 'self') return await runInNamespace(handler, decodedHere(method, request), ctx);
      if (target === null) {
        // A removed node knows no leader: it relays through a member (which forwards once more).
        const via = ctx.forwardedFrom === null ? (this.locator.relayTarget?.() ?? null) : null;
        if (via === null) throw new NoLeaderError();
        return await this.forwardTo(via, method, request, ctx);
      }
      // A forwarded call is never forwarded again (leadership moved meanwhile: the client
      // retries), except one relayed by a node outside the group: no loop, as leaders are members.
      if (ctx.forwardedFrom !== null && this.locator.isMember?.(ctx.forwardedFrom) !== false) throw new NoLeaderError();
      try {
        return await this.forwardTo(target, method, request, ctx);
      } catch (err) {
        // The leader died under us: wait (bounded) for its successor and forward once more,
        // instead of failing at once and burning the client's few immediate retries. Every
        // leader method is safe to repeat: sends de-duplicate by message id, the rest are
        // at-least-once.
        if (!(err instanceof ForwardFailedError) || !err.leaderUnreachable) throw err;
        const next = await this.awaitLeader(target);
        if (next === 'self') return await runInNamespace(handler, decodedHere(method, request), ctx);
        if (next === null || next === target) throw err;
        return await this.forwardTo(next, method, request, ctx);
      }
    } catch (err) {
      const e = err as Error;
      if (!(e instanceof BrokerError)) this.log.error({ err: e, method }, 'v2 call failed');
      return errorResponse(method, e instanceof BrokerError ? e.v2Code : Code.INTERNAL_ERROR, e.message);
    }
  }

  private forwardTo(target: string, method: string, request: unknown, ctx: CallContext): Promise<unknown> {
    // SendMessage stays bytes here. Requests a coalescer cannot merge (a SendMessage with a field
    // other than messages, or none, or too many items) go alone as they came: the leader answers
    // them with the right error. accepts() reads the framing once (rawSendSpec.items).
    if (method === 'SendMessage' && Buffer.isBuffer(request) && this.rawSends.accepts(request)) {
      return this.rawSends.send(target, request, ctx.headers);
    }
    if (method === 'AckMessage' && this.acks.accepts(request as v2.AckMessageRequest)) return this.acks.send(target, request as v2.AckMessageRequest, ctx.headers);
    return streamingMethods.has(method)
      ? this.forward.stream(target, method, request, ctx.headers)
      : this.forward.call(target, method, request, ctx.headers);
  }

  /**
   * During an election, wait (bounded) for a leader rather than fail the client's call at once;
   * not on a node cut off from the group. With `unlike`, wait for a leader other than that
   * (unreachable) one.
   */
  private async awaitLeader(unlike: string | null = null): Promise<'self' | string | null> {
    const wanted = (t: 'self' | string | null) => t !== null && t !== unlike;
    let target = this.locator.leaderTarget();
    for (let waitedMs = 0; !wanted(target) && waitedMs < leaderWaitMs && this.locator.cutOff?.() !== true; waitedMs += leaderPollMs) {
      await new Promise((r) => setTimeout(r, leaderPollMs));
      target = this.locator.leaderTarget();
    }
    return target;
  }

  private implementation(): UntypedServiceImplementation {
    const impl: UntypedServiceImplementation = {};
    for (const method of Object.keys(messagingServiceDefinition())) {
      if (method === 'Telemetry') {
        impl[method] = (call: ServerDuplexStream<any, any>) => {
          const ctx = contextFromHeaders(mqHeaders(call.metadata), null, cancelled(call));
          try {
            authenticate(ctx.headers, this.credentials);
          } catch (err) {
            call.write({ status: { code: (err as BrokerError).v2Code, message: (err as Error).message } });
            call.end();
            return;
          }
          this.telemetry(call, ctx);
        };
      } else if (streamingMethods.has(method)) {
        impl[method] = (call: ServerWritableStream<any, any>) => {
          const ctx = contextFromHeaders(mqHeaders(call.metadata), null, cancelled(call));
          void this.dispatch(method, call.request, ctx).then((res) => {
            for (const r of res as unknown[]) call.write(r);
            call.end();
          });
        };
      } else {
        impl[method] = (call: ServerUnaryCall<any, any>, callback: sendUnaryData<any>) => {
          const ctx = contextFromHeaders(mqHeaders(call.metadata), null, cancelled(call));
          this.dispatch(method, call.request, ctx).then(
            (res) => callback(null, res),
            (err: Error) => callback({ code: grpcStatus.INTERNAL, details: err.message }),
          );
        };
      }
    }
    return impl;
  }
}

/** The v2 service with SendMessage left undecoded by gRPC (raw-send.ts); the rest as loaded. */
function rawSendDefinition(): ReturnType<typeof messagingServiceDefinition> {
  const def = messagingServiceDefinition();
  const send = def.SendMessage;
  if (send === undefined) throw new Error('the v2 service has no SendMessage');
  return { ...def, SendMessage: { ...send, requestDeserialize: (bytes: Buffer) => bytes } };
}

/** A request as the handler on this node takes it: SendMessage's bytes decoded. */
function decodedHere(method: string, request: unknown): unknown {
  return method === 'SendMessage' && Buffer.isBuffer(request) ? decodeSendRequest(request) : request;
}

/** Runs a handler on stored names (NS%T) and answers in the client's names (see namespace.ts). */
async function runInNamespace(handler: V2Handlers[string], request: unknown, ctx: CallContext): Promise<unknown> {
  const ns = qualifyRequest(request, ctx.namespace);
  const response: unknown = await handler(request, ctx);
  unqualifyResponse(response, ns);
  return response;
}

/** A v2 response carrying only a status (streaming methods: a one-element stream). */
export function errorResponse(method: string, code: number, message: string): unknown {
  const status = { code, message };
  if (streamingMethods.has(method)) return [{ status }];
  return { status };
}

function cancelled(call: NodeJS.EventEmitter): Promise<void> {
  return new Promise((resolve) => call.once('cancelled', () => resolve()));
}
