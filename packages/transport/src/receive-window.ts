// HTTP/2 receive windows of a grpc-js server. Node's defaults are 64 KiB per stream and 64 KiB
// for the whole connection, and grpc-js has no server option for either. With them a client
// that sends more than that (a 64-message batch, a Raft append) stalls until the server's
// event loop has read half and answered with a WINDOW_UPDATE: on a busy machine that round trip,
// not the link, sets the rate.
//
// The connection's window is also the most a sender can have queued in the socket, and one
// event-loop turn reads what is queued (libuv reads a ready socket several times over): a window
// far larger than the sender's need lets a flood of small requests hold the loop for long enough
// to starve timers (Raft's heartbeats). Size it to the traffic, not to the maximum.

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
