// The BrokerForward service (proto/forward.proto), loaded at run time.

import { createRequire } from 'node:module';
import path from 'node:path';
import { loadSync } from '@grpc/proto-loader';
import type { ServiceDefinition } from '@grpc/grpc-js';
import { assert } from '../assert.ts';

export interface ForwardRequest {
  method: string;
  request: Buffer;
  headers: Record<string, string>;
  from: string;
}

export interface ForwardReply {
  response: Buffer;
}

export interface PushCheckRequest {
  topic: string;
  message: Buffer;
  transaction_id: string;
}

export const forwardGroupHeader = 'x-ledgermq-group';
// Found through node_modules by package name, not from this file's URL: a node may run from
// a bundle (broker/src/local/node-bundle.ts), whose import.meta.url is the bundle's.
export const forwardProtoPath = path.join(path.dirname(createRequire(import.meta.url).resolve('@ledgermq/broker/package.json')), 'proto/forward.proto');


let cached: ServiceDefinition | null = null;

export function forwardServiceDefinition(): ServiceDefinition {
  if (cached !== null) return cached;
  const pkg = loadSync(forwardProtoPath, { keepCase: true, longs: Number, defaults: true, oneofs: false });
  const service = pkg['ledgermq.forward.BrokerForward'] as ServiceDefinition | undefined;
  assert(service !== undefined && 'Call' in service && 'Stream' in service && 'PushCheck' in service, `BrokerForward missing in ${forwardProtoPath}`);
  cached = service;
  return service;
}
