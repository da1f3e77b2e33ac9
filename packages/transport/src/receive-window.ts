// HTTP/2 receive windows of a grpc-js server. Node's defaults are 64 KiB per stream and 64 KiB
// for the whole connection, and grpc-js has no server option for either. With them a sender
// stalls every 32 KiB until the receiving event loop has read and answered with a
// WINDOW_UPDATE, which the sender's loop must read in turn: the two loops' turns, not the link,
// set the rate.
//
// The peer port widens both (grpc-transport.ts): its sender is the leader, whose turns grow
// long under a flood of client calls, and at 64 KiB a turn its appends fell behind what it took
// in, commits stalled and the followers elected another leader. The v2 endpoint keeps Node's
// defaults: a connection's window is also the most a client can have queued in the node's
// socket, and one turn reads what is queued (see V2Server.listen).

import type { Server } from '@grpc/grpc-js';
import type { Http2Session } from 'node:http2';
import { assert } from './assert.ts';

/** Largest window HTTP/2 allows (RFC 9113, 6.9.1). */
const windowBytesMax = 2 ** 31 - 1;

interface ServerInternals {
  commonServerOptions?: { settings?: Record<string, unknown> };
  http2Servers?: Map<{ on(event: 'session', fn: (s: Http2Session) => void): unknown }, { sessions?: Set<Http2Session> }>;
}

/**
 * Call before bindAsync: every stream of every connection starts with `bytes` of window (the
 * SETTINGS the server sends). grpc-js keeps the http2 server options in one object, the only
 * seam; when a grpc-js release drops it this does nothing and the defaults stay.
 */
export function widenStreamWindows(server: Server, bytes: number): void {
  assert(Number.isInteger(bytes) && bytes >= 65_535 && bytes <= windowBytesMax, `stream window ${bytes}`);
  const common = (server as unknown as ServerInternals).commonServerOptions;
  if (common === undefined || typeof common !== 'object') return;
  common.settings = { ...common.settings, initialWindowSize: bytes };
}

/**
 * Call once bindAsync has answered: each connection's own window (which SETTINGS cannot change)
 * becomes `bytes`, for connections already open and every one after. Does nothing when grpc-js
 * no longer keeps its http2 servers where this looks.
 * @returns how many http2 servers it applied to (0: the seam is gone).
 */
export function widenConnectionWindows(server: Server, bytes: number): number {
  assert(Number.isInteger(bytes) && bytes >= 65_535 && bytes <= windowBytesMax, `connection window ${bytes}`);
  const servers = (server as unknown as ServerInternals).http2Servers;
  if (!(servers instanceof Map)) return 0;
  const widen = (s: Http2Session) => {
    if (!s.destroyed) s.setLocalWindowSize(bytes);
  };
  for (const [h2, info] of servers) {
    h2.on('session', widen);
    for (const s of info.sessions ?? []) widen(s);
  }
  return servers.size;
}
