// ledgermq.namesrv.NameServer, loaded at run time from ../proto/namesrv.proto (our own protocol).
//
// Loader options: keepCase false (camelCase fields, as namesrv-types.ts), longs as numbers
// (terms, sequences and ages stay far below 2^53), enums as their names ('LEADER', 'FIFO': the
// values operators read in logs and CLI output), defaults true, oneofs true.

import { createRequire } from 'node:module';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { namesrvGrpcMessageBytesMax } from './constants.ts';
import { ProtoLoadError } from './errors.ts';

// Found through node_modules by package name, not from this file's URL: a node may run from
// a bundle (broker/src/local/node-bundle.ts), whose import.meta.url is the bundle's.
export const namesrvProtoPath = path.join(path.dirname(createRequire(import.meta.url).resolve('@ledgermq/protocol/package.json')), 'proto/namesrv.proto');

export const namesrvServiceName = 'ledgermq.namesrv.NameServer';
export const namesrvRpcNames = ['RegisterBroker', 'UnregisterBroker', 'QueryRoute', 'GetClusterInfo', 'ListTopics'] as const;
export type NamesrvRpcName = (typeof namesrvRpcNames)[number];

export const namesrvLoaderOptions: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

let cachedDefinition: protoLoader.PackageDefinition | null = null;

function definition(): protoLoader.PackageDefinition {
  if (cachedDefinition !== null) return cachedDefinition;
  let def: protoLoader.PackageDefinition;
  try {
    def = protoLoader.loadSync(namesrvProtoPath, namesrvLoaderOptions);
  } catch (cause) {
    throw new ProtoLoadError(`parsing ${namesrvProtoPath} failed`, { cause });
  }
  if (def[namesrvServiceName] === undefined) throw new ProtoLoadError(`${namesrvServiceName} missing from ${namesrvProtoPath}`);
  cachedDefinition = def;
  return def;
}

/** Service definition for `grpc.Server.addService`. */
export function namesrvServiceDefinition(): grpc.ServiceDefinition {
  return definition()[namesrvServiceName] as unknown as grpc.ServiceDefinition;
}

let cachedClient: grpc.ServiceClientConstructor | null = null;

export function namesrvServiceClient(): grpc.ServiceClientConstructor {
  if (cachedClient !== null) return cachedClient;
  const pkg = grpc.loadPackageDefinition(definition()) as unknown as {
    ledgermq: { namesrv: { NameServer: grpc.ServiceClientConstructor } };
  };
  cachedClient = pkg.ledgermq.namesrv.NameServer;
  return cachedClient;
}

export const namesrvChannelOptions: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': namesrvGrpcMessageBytesMax,
  'grpc.max_send_message_length': namesrvGrpcMessageBytesMax,
};

/**
 * Trailer metadata key carrying our error code (e.g. BROKER_ID_CONFLICT) next to the gRPC
 * status, so a client can rebuild the precise error class.
 */
export const namesrvErrorCodeHeader = 'x-ledgermq-error-code';
