// `npm run bench:floor [-- --json FILE --seconds N]`: what this machine's gRPC stack costs before
// any broker work, so the broker bench's figures can be read against it. Everything runs in this
// one process on loopback: no Raft, no disk, no store. Prints what it measured; asserts nothing.
//
// Rows:
// - unary round trip of a 1.1 KB request, one call at a time (back to back, and spaced 20 ms
//   apart, as a send on an idle broker is), with its CPU, and the CPU of one call with 64 in flight;
// - the batched-send path's transport alone: a client sends 64 x 1 KiB v2 SendMessage requests
//   (loaded codec), a "leader" decodes them, answers 64 entries and writes the request's bytes
//   to two "followers" over bidi streams; then the same with no codec at all (request and answer
//   are bytes encoded once), which is what gRPC itself costs that path;
// - server streaming (ReceiveMessage's shape) of 1.3 KB messages, by receives in flight and
//   messages per receive, each followed by one unary ack: the CPU per message;
// - the v2 codec per delivered 1 KiB message: the loader's serializer, the compiled writer the
//   broker uses (proto-writer.ts), and the client's decode.
// CPU figures are of this process (client and server together), per message or per call.

import { writeFileSync } from 'node:fs';
import os from 'node:os';
import * as grpc from '@grpc/grpc-js';
import { messagingServiceClient, messagingServiceDefinition, messagingServiceName, v2PackageDefinition, v2ServerChannelOptions } from '@ledgermq/protocol';
import { quantiles, runBench, type BenchArgs } from '@ledgermq/raft-node';
import { transportLimits, widenConnectionWindows, widenStreamWindows } from '@ledgermq/transport';

interface Row {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
}

const rows: Row[] = [];
const add = (name: string, value: number, unit: string) => {
  rows.push({ name, value, unit });
  process.stderr.write(`… ${name}\n`);
};

/** Raw-bytes method definitions (no protobuf): the transport alone. */
const identity = { requestSerialize: (b: Buffer) => b, requestDeserialize: (b: Buffer) => b, responseSerialize: (b: Buffer) => b, responseDeserialize: (b: Buffer) => b };
const rawService = {
  Echo: { path: '/floor.Floor/Echo', requestStream: false, responseStream: false, ...identity },
  Send: { path: '/floor.Floor/Send', requestStream: false, responseStream: false, ...identity },
  Recv: { path: '/floor.Floor/Recv', requestStream: false, responseStream: true, ...identity },
  Peer: { path: '/floor.Floor/Peer', requestStream: true, responseStream: true, ...identity },
} as const;
const RawClient = grpc.makeGenericClientConstructor(rawService as unknown as grpc.ServiceDefinition, 'Floor');
type Untyped = Record<string, (...a: unknown[]) => unknown>;
const bigMessages = { 'grpc.max_receive_message_length': 64 << 20, 'grpc.max_send_message_length': 64 << 20 };

/** Binds with the receive windows the broker grants: Node's defaults on its v2 endpoint, 16 MiB per stream and per connection on its peer port. */
async function bind(server: grpc.Server, port: 'v2' | 'peer' = 'v2'): Promise<number> {
  const wide = transportLimits.flowControlWindowBytes;
  if (port === 'peer') widenStreamWindows(server, wide);
  const bound = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  if (port === 'peer') widenConnectionWindows(server, wide);
  return bound;
}

/** Runs `op` with `inflight` loops for `seconds`; answers ops per second and CPU ms per op. */
async function measure(inflight: number, seconds: number, op: () => Promise<number>): Promise<{ perSecond: number; cpuMsPer: number }> {
  const endAt = Date.now() + seconds * 1000;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let done = 0;
  await Promise.all(Array.from({ length: inflight }, async () => {
    while (Date.now() < endAt) {
      const n = await op(); // not `done += await op()`: that reads `done` before the await
      done += n;
    }
  }));
  const cpu = process.cpuUsage(cpu0);
  return { perSecond: done / ((performance.now() - t0) / 1000), cpuMsPer: (cpu.user + cpu.system) / 1000 / done };
}

async function unaryRows(seconds: number): Promise<void> {
  const server = new grpc.Server();
  server.addService(rawService as unknown as grpc.ServiceDefinition, { Echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, Buffer.alloc(40)) } as never);
  const port = await bind(server);
  const c = new RawClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as Untyped;
  const request = Buffer.alloc(1100);
  const echo = () => new Promise<number>((resolve, reject) => (c.Echo as (r: Buffer, cb: (e: Error | null) => void) => void)(request, (e) => (e ? reject(e) : resolve(1))));
  for (let i = 0; i < 500; i++) await echo();
  for (const gapMs of [0, 20]) {
    const lat: number[] = [];
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < 200; i++) {
      const t = performance.now();
      await echo();
      lat.push(performance.now() - t);
      if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
    }
    const cpu = process.cpuUsage(cpu0);
    const q = quantiles(lat);
    const how = gapMs === 0 ? 'back to back' : `${gapMs} ms apart`;
    add(`unary round trip, one call at a time, ${how}: p50`, q.p50, 'ms');
    add(`unary round trip, one call at a time, ${how}: p99`, q.p99, 'ms');
    // Includes the timer that spaces the calls (tens of microseconds), and V8's helper threads.
    add(`  CPU per call (client + server), ${how}`, (cpu.user + cpu.system) / 1000 / lat.length, 'ms');
  }
  const m = await measure(64, seconds, echo);
  add('unary calls, 64 in flight', m.perSecond, 'calls/s');
  add('  CPU per unary call (client + server)', m.cpuMsPer, 'ms');
  (c as unknown as grpc.Client).close();
  server.forceShutdown();
}

/** Two "followers" that count what their bidi streams receive, and the leader's streams to them. */
async function followerStreams(): Promise<{ streams: grpc.ClientDuplexStream<Buffer, Buffer>[]; received: () => number; close: () => void }> {
  let bytes = 0;
  const followers = await Promise.all([0, 1].map(async () => {
    const s = new grpc.Server(bigMessages);
    s.addService(rawService as unknown as grpc.ServiceDefinition, { Peer: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => call.on('data', (b: Buffer) => void (bytes += b.length)) } as never);
    return { server: s, port: await bind(s, 'peer') };
  }));
  const peerOptions = { ...bigMessages, 'grpc-node.flow_control_window': transportLimits.flowControlWindowBytes }; // as the peer links
  const peerClients = followers.map((f) => new RawClient(`127.0.0.1:${f.port}`, grpc.credentials.createInsecure(), peerOptions) as unknown as Untyped);
  const streams = peerClients.map((pc) => (pc.Peer as () => grpc.ClientDuplexStream<Buffer, Buffer>)());
  for (const s of streams) s.on('error', () => {}); // cancelled at teardown
  const close = () => {
    for (const s of streams) s.end();
    for (const pc of peerClients) (pc as unknown as grpc.Client).close();
    for (const f of followers) f.server.forceShutdown();
  };
  return { streams, received: () => bytes, close };
}

const batchMessages = 64;
const batchBody = Buffer.alloc(1024, 'x');
let batchSeq = 0;
function batchRequest(): unknown {
  const messages = Array.from({ length: batchMessages }, () => ({ topic: { name: 'Floor', resource_namespace: '' }, user_properties: {}, body: batchBody, system_properties: { message_id: `F${batchSeq++}`, body_encoding: 1, message_type: 1, born_host: 'floor', keys: [], queue_id: 0 } }));
  return { messages };
}
function batchResponse(ids: string[]): unknown {
  return { status: { code: 20000, message: 'OK' }, entries: ids.map((id, i) => ({ status: { code: 20000, message: 'OK' }, message_id: id, transaction_id: '', offset: String(i), recall_handle: '' })) };
}

/** Warms up, measures 16 sends in flight for `seconds`, adds the row and its CPU row. */
async function batchedRow(seconds: number, send: () => Promise<number>, peers: { received: () => number }, name: string, cpuName: string): Promise<void> {
  for (let i = 0; i < 100; i++) await send();
  const m = await measure(16, seconds, send);
  add(name, m.perSecond, 'msg/s');
  add(cpuName, m.cpuMsPer, 'ms');
  if (peers.received() === 0) throw new Error('the follower streams received nothing');
}

async function batchedTransportRow(seconds: number): Promise<void> {
  const peers = await followerStreams();
  const leader = new grpc.Server(v2ServerChannelOptions);
  const def = messagingServiceDefinition();
  const impl: Record<string, unknown> = {};
  for (const method of Object.keys(def)) impl[method] = (_call: unknown, cb: grpc.sendUnaryData<unknown>) => cb({ code: grpc.status.UNIMPLEMENTED });
  impl.SendMessage = (call: grpc.ServerUnaryCall<{ messages: { body: Buffer; system_properties: { message_id: string } }[] }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
    const msgs = call.request.messages;
    const frame = Buffer.concat(msgs.map((m) => m.body));
    for (const s of peers.streams) s.write(frame);
    cb(null, batchResponse(msgs.map((m) => m.system_properties.message_id)));
  };
  leader.addService(def, impl as grpc.UntypedServiceImplementation);
  const port = await bind(leader);
  const Client = messagingServiceClient();
  const c = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), bigMessages) as unknown as Untyped;
  const send = () => new Promise<number>((resolve, reject) => {
    (c.SendMessage as (r: unknown, cb: (e: Error | null) => void) => void)(batchRequest(), (e) => (e ? reject(e) : resolve(batchMessages)));
  });
  await batchedRow(seconds, send, peers, 'batched-send transport (64 x 1 KiB per request, 16 in flight, 2 follower streams)', '  CPU per message (client + leader + 2 followers, gRPC and codec only)');
  (c as unknown as grpc.Client).close();
  peers.close();
  leader.forceShutdown();
}

/** The same path with no codec: what gRPC and HTTP/2 alone cost it. */
async function codecFreeBatchedRow(seconds: number): Promise<void> {
  const peers = await followerStreams();
  const sendDef = messagingServiceDefinition().SendMessage!;
  const request = sendDef.requestSerialize(batchRequest());
  const response = sendDef.responseSerialize(batchResponse(Array.from({ length: batchMessages }, (_, i) => `F${i}`)));
  const leader = new grpc.Server(bigMessages);
  leader.addService(rawService as unknown as grpc.ServiceDefinition, {
    Send: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
      for (const s of peers.streams) s.write(call.request);
      cb(null, response);
    },
  } as never);
  const port = await bind(leader);
  const c = new RawClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), bigMessages) as unknown as Untyped;
  const send = () => new Promise<number>((resolve, reject) => (c.Send as (r: Buffer, cb: (e: Error | null) => void) => void)(request, (e) => (e ? reject(e) : resolve(batchMessages))));
  await batchedRow(seconds, send, peers, 'the same with no codec (bytes encoded once)', '  CPU per message (client + leader + 2 followers, gRPC only)');
  (c as unknown as grpc.Client).close();
  peers.close();
  leader.forceShutdown();
}

async function streamingRows(seconds: number): Promise<void> {
  let perReceive = 0;
  const message = Buffer.alloc(1300, 1);
  const server = new grpc.Server(bigMessages);
  server.addService(rawService as unknown as grpc.ServiceDefinition, {
    Recv: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
      for (let i = 0; i < perReceive; i++) call.write(message);
      call.end();
    },
    Echo: (_call: unknown, cb: grpc.sendUnaryData<Buffer>) => cb(null, Buffer.alloc(10)),
  } as never);
  const port = await bind(server);
  const c = new RawClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), bigMessages) as unknown as Untyped;
  const receive = () => new Promise<number>((resolve, reject) => {
    let n = 0;
    const s = (c.Recv as (r: Buffer) => grpc.ClientReadableStream<Buffer>)(Buffer.alloc(50));
    s.on('data', () => n++);
    s.on('error', reject);
    s.on('end', () => resolve(n));
  });
  const ackBytes = () => Buffer.alloc(perReceive * 110);
  const ack = () => new Promise<void>((resolve, reject) => (c.Echo as (r: Buffer, cb: (e: Error | null) => void) => void)(ackBytes(), (e) => (e ? reject(e) : resolve())));
  for (const [inflight, batch] of [[1, 256], [1, 32], [8, 32]] as const) {
    perReceive = batch;
    for (let i = 0; i < 50; i++) await receive().then(ack);
    const m = await measure(inflight, seconds, async () => {
      const n = await receive();
      await ack();
      return n;
    });
    add(`streamed receive + ack (${inflight} in flight x ${batch} per receive, 1.3 KB messages)`, m.perSecond, 'msg/s');
    add(`  CPU per message (client + server)`, m.cpuMsPer, 'ms');
  }
  (c as unknown as grpc.Client).close();
  server.forceShutdown();
}

function codecRows(): void {
  type Method = { responseSerialize(v: unknown): Buffer; responseDeserialize(b: Buffer): unknown };
  const loaded = (v2PackageDefinition()[messagingServiceName] as unknown as Record<string, Method>).ReceiveMessage!;
  const served = (messagingServiceDefinition() as unknown as Record<string, Method>).ReceiveMessage!;
  const body = Buffer.alloc(1024, 'x');
  const deliveries = Array.from({ length: 1000 }, (_, i) => ({
    message: {
      topic: { resource_namespace: '', name: 'FloorTopic' }, user_properties: {}, body,
      system_properties: {
        keys: [], message_id: `01A2B3C4D5E6F70809${String(i).padStart(10, '0')}`, body_digest: { type: 2, checksum: '0123456789ABCDEF0123456789ABCDEF' },
        body_encoding: 1, message_type: 1, born_timestamp: { seconds: '1796600000', nanos: 123000000 }, born_host: '127.0.0.1',
        store_timestamp: { seconds: '1796600000', nanos: 124000000 }, store_host: '127.0.0.1:8081',
        receipt_handle: `h1:broker-a:FloorTopic:3:${i}:1796600000123:30000:1:abcdef0123456789`, queue_id: 3, queue_offset: String(i),
        invisible_duration: { seconds: '30', nanos: 0 }, delivery_attempt: 1,
      },
    },
  }));
  const perMessageUs = (fn: (d: (typeof deliveries)[number]) => unknown) => {
    for (const d of deliveries) fn(d); // warm-up
    const t = performance.now();
    for (let r = 0; r < 50; r++) for (const d of deliveries) fn(d);
    return ((performance.now() - t) * 1000) / (50 * deliveries.length);
  };
  add('v2 codec per delivered 1 KiB message: proto-loader serializer', perMessageUs((d) => loaded.responseSerialize(d)), 'us');
  add('v2 codec per delivered 1 KiB message: compiled writer (the broker)', perMessageUs((d) => served.responseSerialize(d)), 'us');
  const wire = served.responseSerialize(deliveries[0]);
  add('v2 codec per delivered 1 KiB message: client decode (proto-loader)', perMessageUs(() => loaded.responseDeserialize(wire)), 'us');
}

const command = {
  name: 'bench:floor',
  usage: ['  --seconds N   seconds per row (4)', '  --json FILE   also write the rows as JSON'].join('\n'),
  flags: { seconds: { kind: 'integer', default: 4 }, json: { kind: 'string' } },
} as const;

async function main(values: BenchArgs<typeof command.flags>): Promise<void> {
  const seconds = values.seconds;
  await unaryRows(seconds);
  await batchedTransportRow(seconds);
  await codecFreeBatchedRow(seconds);
  await streamingRows(seconds);
  codecRows();
  const width = Math.max(...rows.map((r) => r.name.length));
  const fmt = (r: Row) => (r.unit === 'ms' || r.unit === 'us' ? r.value.toFixed(3) : r.value.toFixed(0));
  process.stdout.write(`\ngRPC floor on this machine (${os.cpus().length} cores, Node ${process.version}, one process on loopback, ${seconds} s per row)\n`);
  for (const r of rows) process.stdout.write(`${r.name.padEnd(width)}  ${fmt(r).padStart(10)} ${r.unit}\n`);
  if (values.json) writeFileSync(values.json, JSON.stringify({ seconds, rows }, null, 2));
}

runBench(command, main);
