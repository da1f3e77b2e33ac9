// Public surface of @ledgermq/protocol: the v2 client protocol (loaded from the installed
// rocketmq-client-nodejs package) and LedgerMQ's own NameServer protocol.

// v2: apache.rocketmq.v2.MessagingService
export {
  messagingServiceDefinition,
  messagingServiceClient,
  messagingRpcNames,
  messagingServiceName,
  v2PackageDefinition,
  v2EnumValues,
  v2LoaderOptions,
  v2ProtoRoot,
  v2ProtoPackage,
  v2ProtoPackageVersion,
  v2ServerChannelOptions,
  v2Headers,
  headerValue,
} from './v2-proto.ts';
export type { MessagingRpcName } from './v2-proto.ts';
export {
  Code,
  Permission,
  MessageType,
  AddressScheme,
  DigestType,
  Encoding,
  ClientType,
  FilterType,
  TransactionResolution,
  TransactionSource,
  QueryOffsetPolicy,
  v2Enums,
  codeName,
} from './v2-codes.ts';
export type * as v2 from './v2-types.ts';
export { durationToMs, msToDuration, timestampToMs, msToTimestamp } from './v2-time.ts';
export { routeToV2MessageQueues, permToV2, messageTypesToV2, addressScheme } from './route-to-v2.ts';
export type { RouteToV2Options } from './route-to-v2.ts';

// NameServer: ledgermq.namesrv.NameServer
export {
  namesrvServiceDefinition,
  namesrvServiceClient,
  namesrvRpcNames,
  namesrvServiceName,
  namesrvProtoPath,
  namesrvLoaderOptions,
  namesrvChannelOptions,
  namesrvErrorCodeHeader,
} from './namesrv-proto.ts';
export type { NamesrvRpcName } from './namesrv-proto.ts';
export { nodeRoles, topicMessageTypes } from './namesrv-types.ts';
export type {
  NodeRole,
  TopicMessageType,
  HostPort,
  TopicConfig,
  BrokerRegistration,
  RegisterResult,
  NodeKey,
  NodeRoute,
  QueueData,
  BrokerGroupRoute,
  TopicRoute,
  BrokerGroupInfo,
  ClusterInfo,
} from './namesrv-types.ts';
export { checkRegistration, checkNodeKey, checkTopicName, checkBrokerName, checkHostPort, checkTopicConfig, brokerNamePattern } from './namesrv-codec.ts';
export { parseHostPort, formatHostPort, parseHostPortList } from './address.ts';

export { ProtocolError, ProtoLoadError, InvalidFieldError, AddressParseError } from './errors.ts';
export * as protocolLimits from './constants.ts';
