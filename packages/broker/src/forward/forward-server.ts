// The leader's side of BrokerForward: decodes the v2 request a follower forwarded, runs the
// same handler a direct client call would run, and encodes its answer.

import { Metadata, status as grpcStatus, type sendUnaryData, type ServerUnaryCall, type ServerWritableStream, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { headerValue, messagingServiceDefinition } from '@ledgermq/protocol';
import type { CallContext } from '../v2/call-context.ts';
import { contextFromHeaders } from '../v2/call-context.ts';
import { forwardGroupHeader, type ForwardReply, type ForwardRequest } from './forward-proto.ts';

/** Runs a v2 method here; streaming methods resolve with every response of the stream. */
export type LocalCall = (method: string, request: unknown, ctx: CallContext) => Promise<unknown | unknown[]>;

export function forwardServiceImplementation(groupId: string, isStreaming: (method: string) => boolean, run: LocalCall): UntypedServiceImplementation {
  const check = (md: Metadata, method: string): string | null => {
    if (headerValue(md, forwardGroupHeader) !== groupId) return `forwarded call from another group (${headerValue(md, forwardGroupHeader) || 'none'})`;
    if (messagingServiceDefinition()[method] === undefined) return `unknown v2 method ${method}`;
    return null;
  };
  return {
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
