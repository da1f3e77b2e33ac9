// What a v2 handler knows about the call besides its request: taken from the client's
// headers on the node the client called, and carried along when the call is forwarded.

import type { Metadata } from '@grpc/grpc-js';
import { headerValue, v2Headers } from '@ledgermq/protocol';

export interface CallContext {
  readonly clientId: string;
  /** The namespace is missing from most request bodies: it comes from the header. */
  readonly namespace: string;
  /** Every x-mq-* header of the original call. */
  readonly headers: Readonly<Record<string, string>>;
  /** Node id that forwarded the call here, or null when the client called this node. */
  readonly forwardedFrom: string | null;
  /** Resolves when the client went away (cancelled or deadline): long polls end early. */
  readonly cancelled: Promise<void>;
}

/** x-mq-* headers (and authorization) of an incoming call, lower-cased keys, first value of each. */
export function mqHeaders(metadata: Metadata): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(metadata.getMap())) {
    if (key.startsWith('x-mq-') || key === 'authorization') out[key] = headerValue(metadata, key);
  }
  return out;
}

export function contextFromHeaders(headers: Record<string, string>, forwardedFrom: string | null, cancelled: Promise<void>): CallContext {
  return {
    clientId: headers[v2Headers.clientId] ?? '',
    namespace: headers[v2Headers.namespace] ?? '',
    headers,
    forwardedFrom,
    cancelled,
  };
}
