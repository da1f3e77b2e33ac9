// Public surface of @ledgermq/namesrv: the NameServer (route table, gRPC server, process
// configuration) and the client brokers, v2 endpoints and the CLI use.
export { RouteTable } from './route-table.ts';
export type { RouteTableOptions, RegisterOutcome, ExpiredNode } from './route-table.ts';
export { NamesrvServer } from './namesrv-server.ts';
export type { NamesrvServerOptions } from './namesrv-server.ts';
export { NamesrvClient } from './namesrv-client.ts';
export type { NamesrvClientOptions } from './namesrv-client.ts';
export { NamesrvPool } from './namesrv-pool.ts';
export { NamesrvRegistrar } from './registrar.ts';
export type { NamesrvRegistrarOptions, RegistrarStatus, RegistrationSource } from './registrar.ts';
export { parseNamesrvArgs, usage as namesrvUsage } from './config.ts';
export type { NamesrvConfig } from './config.ts';
export {
  NamesrvError,
  BrokerIdConflictError,
  ClusterMismatchError,
  TopicNotFoundError,
  InvalidRequestError,
  NamesrvUnavailableError,
  NamesrvTimeoutError,
  NamesrvClosedError,
  NamesrvInternalError,
  NamesrvConfigError,
} from './errors.ts';
export type { NamesrvLogger } from './logger.ts';
export { silentLogger } from './logger.ts';
export * as namesrvDefaults from './constants.ts';
