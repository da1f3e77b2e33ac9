// The BrokerAdmin service (proto/broker-admin.proto), loaded at run time: JSON in, JSON out.

import { createRequire } from 'node:module';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { assert } from '../assert.ts';

// Found through node_modules by package name, not from this file's URL: a node may run from
// a bundle (broker/src/local/node-bundle.ts), whose import.meta.url is the bundle's.
export const brokerAdminProtoPath = path.join(path.dirname(createRequire(import.meta.url).resolve('@ledgermq/broker/package.json')), 'proto/broker-admin.proto');


/** The RPCs, by their proto names. */
export const brokerAdminMethods = [
  'BrokerRuntime', 'TopicList', 'TopicStatus', 'UpdateTopic', 'DeleteTopic', 'UpdateSubGroup', 'DeleteSubGroup',
  'ConsumerProgress', 'QueryMsgById', 'QueryMsgByKey', 'QueryMsgByOffset', 'ResetOffsetByTime',
  'GetBrokerConfig', 'UpdateBrokerConfig', 'WipeWritePerm', 'AddWritePerm',
  'ConsumerConnection', 'ProducerConnection', 'StatsAll', 'ReadQueue',
] as const;
export type BrokerAdminMethod = (typeof brokerAdminMethods)[number];

let cached: grpc.ServiceClientConstructor | null = null;

export function brokerAdminClientConstructor(): grpc.ServiceClientConstructor {
  if (cached !== null) return cached;
  const def = loadSync(brokerAdminProtoPath, { keepCase: true, longs: String, defaults: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { ledgermq: { brokeradmin: { BrokerAdmin: grpc.ServiceClientConstructor } } };
  const ctor = pkg.ledgermq.brokeradmin.BrokerAdmin;
  for (const m of brokerAdminMethods) assert(m in ctor.service, `BrokerAdmin.${m} missing in ${brokerAdminProtoPath}`);
  cached = ctor;
  return ctor;
}

export function brokerAdminServiceDefinition(): grpc.ServiceDefinition {
  return brokerAdminClientConstructor().service;
}
