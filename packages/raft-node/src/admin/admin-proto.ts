// Loads admin.proto at run time (our own protocol, shipped beside the package).

import { createRequire } from 'node:module';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

// Found through node_modules by package name, not from this file's URL: a node may run from
// a bundle (broker/src/local/node-bundle.ts), whose import.meta.url is the bundle's.
const protoPath = path.join(path.dirname(createRequire(import.meta.url).resolve('@ledgermq/raft-node/package.json')), 'proto/admin.proto');

export interface ProposeRequest {
  id: string;
  payloads: Buffer[];
}

export interface ProposeResponse {
  id: string;
  indexes: string[];
  term: string;
  errorCode: string;
  error: string;
  retriable: boolean;
  leader: string;
}

let cached: grpc.ServiceClientConstructor | null = null;

export function adminService(): grpc.ServiceClientConstructor {
  if (cached) return cached;
  const def = protoLoader.loadSync(protoPath, { keepCase: false, longs: String, defaults: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { ledgermq: { admin: { RaftAdmin: grpc.ServiceClientConstructor } } };
  cached = pkg.ledgermq.admin.RaftAdmin;
  return cached;
}

export const grpcMessageBytesMax = 64 * 1024 * 1024;
