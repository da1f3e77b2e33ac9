// The beacon thread against real peer transports on loopback: what it sends, to whom, and when
// it stops (no leadership, or a main thread that stopped ticking).

import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { GrpcTransport } from '@ledgermq/transport';
import { LeaderBeacon } from './leader-beacon.ts';

const intervalMs = 20;
const stallMaxMs = 200;

interface Peer {
  readonly transport: GrpcTransport;
  readonly heard: [string, number][];
}

const started: GrpcTransport[] = [];
const servers: net.Server[] = [];
const beacons: LeaderBeacon[] = [];
const timers: NodeJS.Timeout[] = [];

afterEach(async () => {
  for (const t of timers.splice(0)) clearInterval(t);
  await Promise.all(beacons.splice(0).map((b) => b.stop()));
  await Promise.all(started.splice(0).map((t) => t.stop()));
  for (const srv of servers.splice(0)) srv.close();
});

async function peer(id: string, groupId: string, accept: boolean): Promise<Peer> {
  const heard: [string, number][] = [];
  const transport = new GrpcTransport({ selfId: id, groupId, listen: { host: '127.0.0.1', port: 0 }, peers: new Map() });
  transport.onBeacon((from, term) => {
    heard.push([from, term]);
    return accept;
  });
  await transport.start();
  started.push(transport);
  return { transport, heard };
}

function beaconFor(peers: Map<string, string>): LeaderBeacon {
  const b = new LeaderBeacon({ selfId: 'a', groupId: 'g1', peers, intervalMs, stallMaxMs, timeoutMs: 200, logger: pino({ level: 'silent' }) });
  beacons.push(b);
  return b;
}

/** Bumps the tick counter as the main loop does, until the returned stop is called. */
function ticking(b: LeaderBeacon): () => void {
  const t = setInterval(() => b.ticked(), intervalMs / 2);
  timers.push(t);
  return () => clearInterval(t);
}

async function until(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Resolves after `ms` of the test's own clock: the beacon's silence is what is being tested. */
async function across(ms: number): Promise<void> {
  const end = performance.now() + ms;
  await until(`${ms} ms to pass`, () => performance.now() >= end, ms + 5_000);
}

describe('LeaderBeacon', () => {
  it('sends the term it leads to every peer; counts what was taken, ignored, refused or unsent', async () => {
    const b1 = await peer('b', 'g1', true);
    const c1 = await peer('c', 'g1', false);
    const foreign = await peer('d', 'g2', true);
    const peers = new Map([
      ['b', `127.0.0.1:${b1.transport.port()}`],
      ['c', `127.0.0.1:${c1.transport.port()}`],
      ['d', `127.0.0.1:${foreign.transport.port()}`],
      ['e', '127.0.0.1:1'],
    ]);
    const beacon = beaconFor(peers);
    beacon.start();
    ticking(beacon);
    beacon.lead(7);
    // The thread counts an answer after the peer's handler ran: wait for both sides.
    const counted = () => {
      const s = beacon.stats();
      return s.accepted >= 3 && s.sent - s.accepted >= 3 && s.failed >= 4;
    };
    await until('three beacons taken (b), three ignored (c), four failed (d, e)', () => b1.heard.length >= 3 && c1.heard.length >= 3 && counted());
    expect(new Set(b1.heard.map(([from, term]) => `${from}@${term}`))).toEqual(new Set(['a@7']));
    expect(new Set(c1.heard.map(([from, term]) => `${from}@${term}`))).toEqual(new Set(['a@7']));
    expect(foreign.heard).toEqual([]); // another group's node refuses it before its handler
    // Taken only where the handler said so: b's, never c's.
    expect(beacon.stats().accepted).toBeLessThanOrEqual(b1.heard.length);
  });

  it('stops while the node does not lead, and while its main loop stands still; resumes with either', async () => {
    const b1 = await peer('b', 'g1', true);
    const beacon = beaconFor(new Map([['b', `127.0.0.1:${b1.transport.port()}`]]));
    beacon.start();
    const stopTicking = ticking(beacon);
    await across(5 * intervalMs);
    expect(b1.heard).toEqual([]); // not leading yet

    beacon.lead(3);
    await until('a beacon of term 3', () => b1.heard.length >= 2);
    beacon.lead(null);
    await across(3 * intervalMs); // one may have been on its way
    const afterLead = b1.heard.length;
    await across(10 * intervalMs);
    expect(b1.heard.length).toBe(afterLead);

    beacon.lead(4);
    await until('beacons of term 4', () => b1.heard.some(([, t]) => t === 4));
    stopTicking();
    await across(stallMaxMs + 3 * intervalMs);
    const afterStall = b1.heard.length;
    await across(10 * intervalMs);
    expect(b1.heard.length).toBe(afterStall);

    ticking(beacon);
    await until('beacons again once the loop ticks', () => b1.heard.length >= afterStall + 2);
  });

  it('gives up on a connection that never answers: the beacon fails after its timeout and the next one connects anew', async () => {
    // Accepts TCP and reads, never speaks HTTP/2: a half-open peer, as a blackhole leaves it.
    const sockets: net.Socket[] = [];
    const srv = net.createServer((sock) => {
      sockets.push(sock);
      sock.on('data', () => {});
      sock.on('error', () => {});
    });
    servers.push(srv);
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as net.AddressInfo).port;
    const beacon = beaconFor(new Map([['b', `127.0.0.1:${port}`]]));
    beacon.start();
    ticking(beacon);
    beacon.lead(2);
    await until('three failed beacons on three connections', () => beacon.stats().failed >= 3 && sockets.length >= 3);
    expect(beacon.stats().sent).toBe(0);
    for (const sock of sockets) sock.destroy();
  });
});
