// The broker admin service: logic, gRPC server side and client.

export { BrokerAdminService, type BrokerAdminDeps, type AdminRaftView, type AdminLogView, messageTypeNames } from './broker-admin-service.ts';
export { brokerAdminImplementation } from './broker-admin-server.ts';
export { BrokerAdminClient, adminCallTimeoutMsDefault } from './broker-admin-client.ts';
export { brokerAdminServiceDefinition, brokerAdminMethods, brokerAdminProtoPath } from './broker-admin-proto.ts';
export * from './broker-admin-errors.ts';
export type * from './broker-admin-types.ts';
export { bodyPreviewBytesMax, readQueueCountMax, readQueueReplyBytesMax } from './broker-admin-types.ts';
export { LiveBrokerConfig } from './live-config.ts';
export { liveConfigKeys, isLiveConfigKey, type LiveConfigKey } from './live-config-keys.ts';
