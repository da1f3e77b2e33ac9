// The leader beacon's thread (see leader-beacon.ts). Plain JavaScript on Node's built-ins only:
// a worker runs this file as it is, whether the node runs from its TypeScript sources or from
// an esbuild bundle, and without a module loader. It speaks gRPC's unary call by hand over
// node:http2 (RaftPeer.Beacon: one varint field), which is all it needs of gRPC.
//
// Every intervalMs: if the main thread's tick counter moved within stallMaxMs and the main
// thread says it leads a term, send that term to each follower; at most one beacon in flight
// per follower, abandoned after timeoutMs. Counters for the main thread are in `counters`, at
// the positions `slots` names. What a request carries (path, metadata) comes with each peer:
// leader-beacon.ts builds it from the transport's own names, so nothing here repeats them.

import http2 from 'node:http2';
import { parentPort, workerData } from 'node:worker_threads';

const { intervalMs, stallMaxMs, timeoutMs, counters, slots } = workerData;

/** The term the main thread leads, or null. */
let term = null;
/** id -> { authority, headers, session, inFlight } */
const peers = new Map();
let lastTicks = Atomics.load(counters, slots.ticks);
let lastProgressAt = performance.now();

parentPort.on('message', (m) => {
  if (m.type === 'lead') term = m.term;
  else if (m.type === 'peers') setPeers(m.peers);
});

setInterval(beat, intervalMs);

function beat() {
  const ticks = Atomics.load(counters, slots.ticks);
  const now = performance.now();
  if (ticks !== lastTicks) {
    lastTicks = ticks;
    lastProgressAt = now;
  }
  if (term === null || now - lastProgressAt > stallMaxMs) return;
  for (const peer of peers.values()) if (!peer.inFlight) send(peer, term);
}

/**
 * `list`: { id, authority ("http://host:port"), headers (of the request to it) }. Sessions to
 * removed or moved peers close.
 */
function setPeers(list) {
  const next = new Map(list.map((p) => [p.id, p]));
  for (const [id, peer] of peers) {
    if (next.get(id)?.authority !== peer.authority) {
      peer.session?.destroy();
      peers.delete(id);
    }
  }
  for (const [id, p] of next) if (!peers.has(id)) peers.set(id, { authority: p.authority, headers: p.headers, session: null, inFlight: false });
}

function session(peer) {
  if (peer.session !== null && !peer.session.closed && !peer.session.destroyed) return peer.session;
  const s = http2.connect(peer.authority);
  // A refused or dropped connection is retried at the next beat; nothing else to do.
  s.on('error', () => {});
  s.on('close', () => {
    if (peer.session === s) peer.session = null;
  });
  s.unref();
  peer.session = s;
  return s;
}

function send(peer, t) {
  peer.inFlight = true;
  let settled = false;
  const settle = (ok, accepted) => {
    if (settled) return;
    settled = true;
    peer.inFlight = false;
    Atomics.add(counters, ok ? slots.sent : slots.failed, 1);
    if (accepted) Atomics.add(counters, slots.accepted, 1);
  };
  let req;
  try {
    req = session(peer).request(peer.headers);
  } catch {
    settle(false, false);
    return;
  }
  const body = [];
  let grpcStatus = null;
  // Unanswered in time: the connection may be a half-open one (a partition, a vanished peer),
  // so the next beat starts a new one rather than queue behind it.
  req.setTimeout(timeoutMs, () => {
    req.close(http2.constants.NGHTTP2_CANCEL);
    if (peer.session !== null) peer.session.destroy();
  });
  req.on('response', (headers) => {
    if (headers['grpc-status'] !== undefined) grpcStatus = String(headers['grpc-status']);
  });
  req.on('trailers', (trailers) => {
    if (trailers['grpc-status'] !== undefined) grpcStatus = String(trailers['grpc-status']);
  });
  req.on('data', (chunk) => body.push(chunk));
  req.on('error', () => settle(false, false));
  req.on('close', () => settle(grpcStatus === '0', grpcStatus === '0' && acceptedIn(Buffer.concat(body))));
  req.end(requestFrame(t));
}

/** A gRPC message frame (uncompressed flag, big-endian length) holding BeaconRequest { term = 1 }. */
function requestFrame(t) {
  const varint = [];
  let n = t;
  while (n >= 0x80) {
    varint.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  varint.push(n);
  const msg = Buffer.from([0x08, ...varint]);
  const frame = Buffer.alloc(5 + msg.length);
  frame.writeUInt32BE(msg.length, 1);
  msg.copy(frame, 5);
  return frame;
}

/** BeaconReply { accepted = 1 } in its gRPC frame: true when field 1 holds 1. */
function acceptedIn(frame) {
  return frame.length >= 7 && frame[5] === 0x08 && frame[6] === 0x01;
}
