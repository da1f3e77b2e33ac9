// Public API of @ledgermq/broker: one broker node and its configuration.

export { BrokerNode } from './broker-node.ts';
export { advertisedAdminAddress, brokerConfigFromProperties, loadBrokerConfig, parseNamesrvAddrs, type BrokerConfig } from './config/broker-config.ts';
export * from './errors.ts';
export * as brokerConstants from './constants.ts';
