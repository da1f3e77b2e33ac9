// The RaftPeer gRPC service, loaded from proto/peer.proto at run time, and the channel
// options both ends use.

import { createRequire } from 'node:module';
import path from 'node:path';
import { loadSync } from '@grpc/proto-loader';
import type { ChannelOptions, ServiceDefinition } from '@grpc/grpc-js';
import { assert } from './assert.ts';
import {
  flowControlWindowBytes,
  grpcMessageBytesMax,
  keepaliveTimeMs,
  keepaliveTimeoutMs,
  reconnectBackoffInitialMs,
  reconnectBackoffMaxMs,
} from './constants.ts';

export interface Frame {
  batch: Buffer;
  more?: boolean;
}

export interface Ack {
  frames?: number;
}

export interface BeaconRequest {
  term?: number;
}

export interface BeaconReply {
  accepted?: boolean;
}

/** RaftPeer.Beacon's path, for a client that speaks HTTP/2 without grpc-js (the beacon thread). */
export const beaconPath = '/ledgermq.peer.RaftPeer/Beacon';

export const metadataGroup = 'x-ledgermq-group';
export const metadataFrom = 'x-ledgermq-from';
export const metadataTo = 'x-ledgermq-to';

// Found through node_modules by package name, not from this file's URL: a node may run from
// a bundle (broker/src/local/node-bundle.ts), whose import.meta.url is the bundle's.
export const protoPath = path.join(path.dirname(createRequire(import.meta.url).resolve('@ledgermq/transport/package.json')), 'proto/peer.proto');


let cached: ServiceDefinition | null = null;

export function raftPeerService(): ServiceDefinition {
  if (cached !== null) return cached;
  const pkg = loadSync(protoPath, { keepCase: true, longs: Number, defaults: false, oneofs: false });
  const service = pkg['ledgermq.peer.RaftPeer'] as ServiceDefinition | undefined;
  assert(service !== undefined && 'Stream' in service && 'Beacon' in service, `RaftPeer service missing in ${protoPath}`);
  assert(service.Beacon!.path === beaconPath, `RaftPeer.Beacon is served at ${service.Beacon!.path}`);
  cached = service;
  return service;
}

/** Both ends: frames up to frameBytesMax; keepalive so a dead or paused peer is noticed while idle. */
const commonOptions: ChannelOptions = {
  'grpc.max_send_message_length': grpcMessageBytesMax,
  'grpc.max_receive_message_length': grpcMessageBytesMax,
  'grpc.keepalive_time_ms': keepaliveTimeMs,
  'grpc.keepalive_timeout_ms': keepaliveTimeoutMs,
  'grpc.keepalive_permit_without_calls': 1,
};

export const clientChannelOptions: ChannelOptions = {
  ...commonOptions,
  // Our own backoff drives reconnects; keep gRPC's subchannel backoff in the same range so a
  // restarted peer is not left unreachable for grpc's default of up to two minutes.
  'grpc.initial_reconnect_backoff_ms': reconnectBackoffInitialMs,
  'grpc.max_reconnect_backoff_ms': reconnectBackoffMaxMs,
  // Retries would buffer every frame of a stream until the response headers arrive; Raft
  // retransmits on its own.
  'grpc.enable_retries': 0,
  // One connection per transport and peer, not shared through grpc's global subchannel pool.
  'grpc.use_local_subchannel_pool': 1,
  'grpc-node.flow_control_window': flowControlWindowBytes,
};

export const serverChannelOptions: ChannelOptions = { ...commonOptions };
