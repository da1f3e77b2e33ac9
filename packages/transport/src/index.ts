// Public surface of @ledgermq/transport.
export { GrpcTransport } from './grpc-transport.ts';
export type { BeaconHandler, GrpcTransportOptions, MessagesHandler } from './grpc-transport.ts';
export { beaconPath, metadataFrom, metadataGroup, metadataTo } from './peer-proto.ts';
export type { PeerStats } from './peer-link.ts';
export { encodeMessages, decodeMessages, measureMessage } from './codec/index.ts';
export { widenConnectionWindows, widenStreamWindows } from './receive-window.ts';
export { parsePeers, formatPeers, parseAddress } from './peers.ts';
export { TransportError, MalformedFrameError, PeersParseError, InvalidMessageError } from './errors.ts';
export type { TransportLogger } from './logger.ts';
export { silentLogger } from './logger.ts';
export * as transportLimits from './constants.ts';
