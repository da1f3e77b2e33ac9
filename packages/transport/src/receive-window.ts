// HTTP/2 receive windows of a grpc-js server. Node's defaults are 64 KiB per stream and 64 KiB
// for the whole connection, and grpc-js has no server option for either. A stream's window is
// raised by the SETTINGS the server sends (widenStreamWindows); the connection's stays Node's.
//
// Why not the connection's too: it is the most a sender can have queued in the socket, and one
// event-loop turn reads what is queued (libuv reads a ready socket several times over). Widened
// (a session's setLocalWindowSize) on the v2 endpoint, it made batched sends 10-25 % faster, but
// a flood of small sends then held the leader's loop past its followers' election timeout. On
// the peer port alone it showed no gain worth its unstudied behaviour under overload.

import type { Server } from '@grpc/grpc-js';
import { assert } from './assert.ts';

/** Largest window HTTP/2 allows (RFC 9113, 6.9.1). */
const windowBytesMax = 2 ** 31 - 1;

interface ServerInternals {
  commonServerOptions?: { settings?: Record<string, unknown> };
}

/**
 * Call before bindAsync: every stream of every connection starts with `bytes` of window (the
 * SETTINGS the server sends). grpc-js keeps the http2 server options in one object, the only
 * seam; when a grpc-js release drops it this does nothing and the defaults stay (the tests of
 * the peer transport then fail).
 */
export function widenStreamWindows(server: Server, bytes: number): void {
  assert(Number.isInteger(bytes) && bytes >= 65_535 && bytes <= windowBytesMax, `stream window ${bytes}`);
  const common = (server as unknown as ServerInternals).commonServerOptions;
  if (common === undefined || typeof common !== 'object') return;
  common.settings = { ...common.settings, initialWindowSize: bytes };
}
