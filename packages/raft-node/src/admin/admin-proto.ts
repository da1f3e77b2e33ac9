// Loads admin.proto at run time (our own protocol, shipped beside the package).

import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const protoPath = fileURLToPath(new URL('../../proto/admin.proto', import.meta.url));

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
