// The broker's admin client and its JSON types, for the CLI. @ledgermq/broker exports only "."
// and "./local"; until it exports "./admin" this bridge reaches into the package's source (the
// client side only: the service would pull in the store), and it is the one place to change.

export { BrokerAdminClient, adminCallTimeoutMsDefault } from '../../broker/src/admin/broker-admin-client.ts';
export * from '../../broker/src/admin/broker-admin-errors.ts';
export type * from '../../broker/src/admin/broker-admin-types.ts';
export { liveConfigKeys } from '../../broker/src/admin/live-config-keys.ts';
