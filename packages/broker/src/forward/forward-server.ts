// The leader's side of BrokerForward: decodes the v2 request a follower forwarded, runs the
// same handler a direct client call would run, and encodes its answer.

import { Metadata, status as grpcStatus, type sendUnaryData, type ServerUnaryCall, type ServerWritableStream, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { headerValue, messagingServiceDefinition, type v2 } from '@ledgermq/protocol';
import type { CallContext } from '../v2/call-context.ts';
import { contextFromHeaders } from '../v2/call-context.ts';
import { forwardGroupHeader, type ForwardReply, type ForwardRequest, type PushCheckRequest } from './forward-proto.ts';

/** Runs a v2 method here; streaming methods resolve with every response of the stream. */
export type LocalCall = (method: string, request: unknown, ctx: CallContext) => Promise<unknown | unknown[]>;

/** Delivers a transaction check to a producer connected to this node; false when none is. */
export type PushCheck = (topic: string, message: v2.Message, transactionId: string) => boolean;

/** A v2 Message as bytes, using the SendMessageRequest codec the service already has. */
export function encodeV2Message(m: v2.Message): Buffer {
  return messagingServiceDefinition().SendMessage!.requestSerialize({ messages: [m] });
}

export function decodeV2Message(b: Buffer): v2.Message {
  const req = messagingServiceDefinition().SendMessage!.requestDeserialize(b) as v2.SendMessageRequest;
  const m = req.messages[0];
  if (m === undefined) throw new Error('empty message');
  return m;
}

export function forwardServiceImplementation(groupId: string, isStreaming: (method: string) => boolean, run: LocalCall, pushCheck: PushCheck): UntypedServiceImplementation {
  const check = (md: Metadata, method: string): string | null => {
    if (headerValue(md, forwardGroupHeader) !== groupId) return `forwarded call from another group (${headerValue(md, forwardGroupHeader) || 'none'})`;
    if (messagingServiceDefinition()[method] === undefined) return `unknown v2 method ${method}`;
    return null;
  };
  return {
    PushCheck: (call: ServerUnaryCall<PushCheckRequest, { delivered: boolean }>, callback: sendUnaryData<{ delivered: boolean }>) => {
      if (headerValue(call.metadata, forwardGroupHeader) !== groupId) return callback({ code: grpcStatus.FAILED_PRECONDITION, details: 'another group' });
      try {
        const m = decodeV2Message(call.request.message);
        callback(null, { delivered: pushCheck(call.request.topic, m, call.request.transaction_id) });
      } catch (err) {
        callback({ code: grpcStatus.INVALID_ARGUMENT, details: (err as Error).message });
      }
    },
    Call: (call: ServerUnaryCall<ForwardRequest, ForwardReply>, callback: sendUnaryData<ForwardReply>) => {
      const req = call.request;
      const refused = check(call.metadata, req.method);
      if (refused !== null) return callback({ code: grpcStatus.FAILED_PRECONDITION, details: refused });
      const def = messagingServiceDefinition()[req.method]!;
      const ctx = contextFromHeaders(req.headers, req.from, cancelledOf(call));
      run(req.method, def.requestDeserialize(req.request), ctx).then(
        (res) => callback(null, { response: def.responseSerialize(res) }),
        (err: Error) => callback({ code: grpcStatus.INTERNAL, details: err.message }),
      );
    },
    Stream: (call: ServerWritableStream<ForwardRequest, ForwardReply>) => {
      const req = call.request;
      const refused = check(call.metadata, req.method) ?? (isStreaming(req.method) ? null : `${req.method} is not a streaming method`);
      if (refused !== null) return call.destroy(Object.assign(new Error(refused), { code: grpcStatus.FAILED_PRECONDITION }));
      const def = messagingServiceDefinition()[req.method]!;
      const ctx = contextFromHeaders(req.headers, req.from, cancelledOf(call));
      run(req.method, def.requestDeserialize(req.request), ctx).then(
        (res) => {
          for (const r of res as unknown[]) call.write({ response: def.responseSerialize(r) });
          call.end();
        },
        (err: Error) => call.destroy(Object.assign(new Error(err.message), { code: grpcStatus.INTERNAL })),
      );
    },
  };
}

function cancelledOf(call: NodeJS.EventEmitter): Promise<void> {
  return new Promise((resolve) => call.once('cancelled', () => resolve()));
}
