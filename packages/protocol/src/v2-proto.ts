// apache.rocketmq.v2.MessagingService, loaded at run time from the .proto files that ship
// inside the installed npm package rocketmq-client-nodejs (Apache-2.0). They are never
// copied into this repository: the client we test with and the server we build read the
// very same definition.
//
// Loader options (every v2 message in this code base has this shape; see v2-types.ts):
//   keepCase: true   field names exactly as in the .proto (`message_queues`, `accept_message_types`),
//                    so code reads like the protocol documentation and PROTOCOL-V2-NOTES.md;
//   longs: String    int64 fields (offsets, Duration/Timestamp seconds) as decimal strings,
//                    never silently rounded; numbers are accepted when sending;
//   enums: numbers   (the loader's default) compared with the `as const` objects of v2-codes.ts;
//   defaults: true   unset scalars and repeated fields are filled in on decode (proto3 `optional`
//                    fields are not: absence stays visible);
//   oneofs: true     a virtual field names the member of each oneof that is set.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { assert } from './assert.ts';
import { v2GrpcMessageBytesMax } from './constants.ts';
import { ProtoLoadError } from './errors.ts';
import { compileMessagePlan, UnsupportedValueError, writeMessage, type DescriptorLike } from './proto-writer.ts';

/** npm package that ships the v2 protocol definition. */
export const v2ProtoPackage = 'rocketmq-client-nodejs';
/** Fully qualified names inside the definition. */
export const v2PackageName = 'apache.rocketmq.v2';
export const messagingServiceName = `${v2PackageName}.MessagingService`;

/** Every RPC of MessagingService, by the name the .proto gives it. */
export const messagingRpcNames = [
  'QueryRoute',
  'Heartbeat',
  'SendMessage',
  'QueryAssignment',
  'ReceiveMessage',
  'AckMessage',
  'ForwardMessageToDeadLetterQueue',
  'PullMessage',
  'UpdateOffset',
  'GetOffset',
  'QueryOffset',
  'EndTransaction',
  'Telemetry',
  'NotifyClientTermination',
  'ChangeInvisibleDuration',
  'RecallMessage',
  'SyncLiteSubscription',
] as const;
export type MessagingRpcName = (typeof messagingRpcNames)[number];

export const v2LoaderOptions: protoLoader.Options = {
  keepCase: true,
  longs: String,
  defaults: true,
  oneofs: true,
};

/** Directory holding `apache/rocketmq/v2/*.proto` of the installed package. */
export function v2ProtoRoot(): string {
  const require = createRequire(import.meta.url);
  let packageJson: string;
  try {
    packageJson = require.resolve(`${v2ProtoPackage}/package.json`);
  } catch (cause) {
    throw new ProtoLoadError(`npm package ${v2ProtoPackage} is not installed (run npm install)`, { cause });
  }
  const root = path.join(path.dirname(packageJson), 'proto');
  if (!existsSync(path.join(root, 'apache/rocketmq/v2/service.proto'))) {
    throw new ProtoLoadError(`${v2ProtoPackage} at ${path.dirname(packageJson)} has no proto/apache/rocketmq/v2/service.proto`);
  }
  return root;
}

/** Version of the installed package the definition comes from. */
export function v2ProtoPackageVersion(): string {
  const require = createRequire(import.meta.url);
  const pkg = require(`${v2ProtoPackage}/package.json`) as { version?: string };
  return pkg.version ?? 'unknown';
}

let cachedDefinition: protoLoader.PackageDefinition | null = null;

/** The whole v2 package definition (service.proto and what it imports), loaded once. */
export function v2PackageDefinition(): protoLoader.PackageDefinition {
  if (cachedDefinition !== null) return cachedDefinition;
  const root = v2ProtoRoot();
  let def: protoLoader.PackageDefinition;
  try {
    def = protoLoader.loadSync('apache/rocketmq/v2/service.proto', { ...v2LoaderOptions, includeDirs: [root] });
  } catch (cause) {
    throw new ProtoLoadError(`parsing ${root}/apache/rocketmq/v2/service.proto failed`, { cause });
  }
  const service = def[messagingServiceName];
  if (service === undefined || !('QueryRoute' in service)) {
    throw new ProtoLoadError(`${messagingServiceName} missing from ${root}/apache/rocketmq/v2/service.proto`);
  }
  cachedDefinition = def;
  return def;
}

/**
 * Responses the broker writes with the compiled writer (proto-writer.ts) instead of the loader's
 * fromObject + encode: the ones written once per message on the send and receive paths.
 */
export const fastResponseMethods: readonly MessagingRpcName[] = ['SendMessage', 'ReceiveMessage', 'PullMessage', 'AckMessage', 'ChangeInvisibleDuration'];

let cachedService: grpc.ServiceDefinition | null = null;

/**
 * Service definition for `grpc.Server.addService` (method implementations keyed by RPC name).
 * The methods of fastResponseMethods serialize their responses with the compiled writer, and
 * with the loader's serializer whatever value the writer does not take.
 */
export function messagingServiceDefinition(): grpc.ServiceDefinition {
  if (cachedService !== null) return cachedService;
  const loaded = v2PackageDefinition()[messagingServiceName] as unknown as grpc.ServiceDefinition;
  const service: Record<string, grpc.MethodDefinition<unknown, unknown>> = { ...loaded };
  for (const name of fastResponseMethods) {
    const method = loaded[name];
    assert(method !== undefined, `${messagingServiceName} has no ${name}`);
    const responseType = (method as unknown as { responseType: { type: DescriptorLike } }).responseType.type;
    const plan = compileMessagePlan(responseType, lookupV2Type);
    const viaLoader = method.responseSerialize;
    service[name] = {
      ...method,
      responseSerialize: (value: unknown) => {
        try {
          return writeMessage(plan, value);
        } catch (err) {
          if (err instanceof UnsupportedValueError) return viaLoader(value);
          throw err;
        }
      },
    };
  }
  cachedService = service as grpc.ServiceDefinition;
  return cachedService;
}

/** A message type a v2 field names: nested in its own type, fully qualified, or in the v2 package. */
export function lookupV2Type(typeName: string, within: DescriptorLike): DescriptorLike | undefined {
  const nested = within.nestedType?.find((t) => t.name === typeName);
  if (nested !== undefined) return nested;
  const def = v2PackageDefinition();
  const found = (def[typeName] ?? def[`${v2PackageName}.${typeName}`]) as { type?: DescriptorLike } | undefined;
  return found?.type;
}

let cachedClient: grpc.ServiceClientConstructor | null = null;

/**
 * Client constructor (for forwarding between nodes and for tests). Methods exist both as
 * `QueryRoute` and `queryRoute`.
 */
export function messagingServiceClient(): grpc.ServiceClientConstructor {
  if (cachedClient !== null) return cachedClient;
  const pkg = grpc.loadPackageDefinition(v2PackageDefinition()) as unknown as {
    apache: { rocketmq: { v2: { MessagingService: grpc.ServiceClientConstructor } } };
  };
  cachedClient = pkg.apache.rocketmq.v2.MessagingService;
  return cachedClient;
}

/** Values of one enum of the loaded definition by name, e.g. `v2EnumValues('Code').get('OK')`. */
export function v2EnumValues(enumName: string): Map<string, number> {
  const def = v2PackageDefinition()[`${v2PackageName}.${enumName}`] as protoLoader.EnumTypeDefinition | undefined;
  assert(def !== undefined && def.format === 'Protocol Buffer 3 EnumDescriptorProto', `no enum ${enumName} in ${v2PackageName}`);
  const values = (def.type as { value: Array<{ name: string; number: number }> }).value;
  return new Map(values.map((v) => [v.name, v.number]));
}

/** gRPC options of a v2 server: room for a 4 MiB body plus envelope, both ways. */
export const v2ServerChannelOptions: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': v2GrpcMessageBytesMax,
  'grpc.max_send_message_length': v2GrpcMessageBytesMax,
};

/** Request headers (gRPC metadata keys, lower case) the official clients send on every call. */
export const v2Headers = {
  protocol: 'x-mq-protocol',
  clientId: 'x-mq-client-id',
  dateTime: 'x-mq-date-time',
  requestId: 'x-mq-request-id',
  language: 'x-mq-language',
  clientVersion: 'x-mq-client-version',
  namespace: 'x-mq-namespace',
  sessionToken: 'x-mq-session-token',
  authorization: 'authorization',
} as const;

/** First value of a metadata key as a string ('' when absent). */
export function headerValue(metadata: grpc.Metadata, key: string): string {
  const v = metadata.get(key)[0];
  if (v === undefined) return '';
  return typeof v === 'string' ? v : v.toString('utf8');
}
