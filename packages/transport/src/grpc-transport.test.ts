import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Client, Metadata, credentials, status } from '@grpc/grpc-js';
import type { Message } from '@ledgermq/raft';
import { encodeMessages } from './codec/encode.ts';
import { GrpcTransport } from './grpc-transport.ts';
import { raftPeerService, metadataFrom, metadataGroup, metadataTo } from './peer-proto.ts';
import type { Ack, Frame } from './peer-proto.ts';
import { msg, startGroup, startNode, waitFor } from './grpc-transport.test-util.ts';
import { flowControlWindowBytes } from './constants.ts';
import { connectAndRead } from './receive-window.test-util.ts';
import type { Node } from './grpc-transport.test-util.ts';

const started: GrpcTransport[] = [];
const cleanups: (() => void)[] = [];

async function group(ids: string[]): Promise<Node[]> {
  const nodes = await startGroup(ids);
  started.push(...nodes.map((n) => n.transport));
  return nodes;
}

afterEach(async () => {
  for (const t of started.splice(0)) await t.stop();
  for (const c of cleanups.splice(0)) c();
});

/** A raw client speaking the peer protocol, to play a misbehaving or foreign peer. */
function rawStream(port: number, md: Record<string, string>) {
  const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  cleanups.push(() => client.close());
  const method = raftPeerService().Stream;
  const metadata = new Metadata();
  for (const [k, v] of Object.entries(md)) metadata.set(k, v);
  const call = client.makeBidiStreamRequest<Frame, Ack>(method.path, method.requestSerialize, method.responseDeserialize, metadata);
  const ended = new Promise<{ code: number; details: string }>((resolve) => call.on('status', resolve));
  call.on('error', () => {});
  call.on('data', () => {});
  return { call, ended };
}

describe('GrpcTransport on loopback', () => {
  it('three transports exchange messages in order', async () => {
    const nodes = await group(['n0', 'n1', 'n2']);
    const perPair = 2_000;
    for (let i = 0; i < perPair; i++) {
      for (const from of nodes) {
        const batch = nodes
          .filter((to) => to !== from)
          .map((to) => msg(from.id, to.id, i, { entries: [{ index: i + 1, term: 1, type: 0, data: Buffer.from(`${from.id}>${to.id}#${i}`) }] }));
        from.transport.send(batch);
      }
    }
    await waitFor('every message delivered', () => nodes.every((n) => n.received.length === 2 * perPair));
    for (const to of nodes) {
      for (const from of nodes.filter((n) => n !== to)) {
        const seen = to.received.filter((m) => m.from === from.id);
        expect(seen.map((m) => m.index)).toEqual(Array.from({ length: perPair }, (_, i) => i));
        expect(Buffer.from(seen[7].entries[0].data).toString()).toBe(`${from.id}>${to.id}#7`);
        expect(seen.every((m) => m.to === to.id)).toBe(true);
      }
      for (const s of Object.values(to.transport.stats())) {
        expect(s.droppedMessages).toBe(0);
        // Coalescing: far fewer frames than messages.
        expect(s.sentFrames).toBeLessThan(perPair / 2);
      }
    }
  });

  it('grants a peer a wide receive window per stream and per connection', async () => {
    const [a] = await group(['a']);
    const c = await connectAndRead(a!.transport.port());
    cleanups.push(c.close);
    expect(c.granted()).toEqual({ stream: flowControlWindowBytes, connection: flowControlWindowBytes });
  });

  it('reconnects to a peer that restarts, which then receives later messages', async () => {
    const [a, b] = await group(['a', 'b']);
    a.transport.send([msg('a', 'b', 1)]);
    await waitFor('first message', () => b.received.length === 1);
    const port = b.transport.port();
    await b.transport.stop();
    await waitFor('a notices b is gone', () => !a.transport.stats().b.connected);
    a.transport.send([msg('a', 'b', 2)]); // dropped: b is down
    await waitFor('drop counted', () => a.transport.stats().b.droppedMessages >= 1);

    const b2 = await startNode('b', new Map([['a', `127.0.0.1:${a.transport.port()}`]]), { listen: { host: '127.0.0.1', port } });
    started.push(b2.transport);
    await waitFor('a reconnected to b', () => a.transport.stats().b.connected, 10_000);
    expect(a.transport.stats().b.reconnects).toBeGreaterThanOrEqual(1);
    a.transport.send([msg('a', 'b', 3)]);
    await waitFor('b2 receives', () => b2.received.length === 1);
    expect(b2.received[0].index).toBe(3);
    expect(a.logs.some((r) => r.level === 'warn' && /reconnecting/.test(r.msg))).toBe(true);
  });

  it('refuses a stream from another group with FAILED_PRECONDITION, and the sender backs off', async () => {
    const [a] = await group(['a']);
    const foreign = await startNode('x', new Map([['a', `127.0.0.1:${a.transport.port()}`]]), { groupId: 'other' });
    started.push(foreign.transport);
    await waitFor('refusal logged by both', () =>
      a.logs.some((r) => r.msg === 'refused a peer stream' && (r.obj as { code: string }).code === 'FAILED_PRECONDITION') &&
      foreign.logs.some((r) => r.level === 'error' && /refused our stream/.test(r.msg)),
    );
    expect(foreign.transport.stats().a.connected).toBe(false);
    foreign.transport.send([msg('x', 'a', 1)]);
    expect(a.received).toHaveLength(0);

    const raw = rawStream(a.transport.port(), { [metadataGroup]: 'nope', [metadataFrom]: 'y', [metadataTo]: 'a' });
    const st = await raw.ended;
    expect(st.code).toBe(status.FAILED_PRECONDITION);
    expect(st.details).toMatch(/group mismatch/);
  });

  it('refuses a stream addressed to another node id', async () => {
    const [a] = await group(['a']);
    const raw = rawStream(a.transport.port(), { [metadataGroup]: 'g1', [metadataFrom]: 'y', [metadataTo]: 'zz' });
    const st = await raw.ended;
    expect(st.code).toBe(status.FAILED_PRECONDITION);
    expect(st.details).toMatch(/addressed to node "zz"/);
  });

  it('drops a malformed frame, resets that stream only, and keeps serving', async () => {
    const [a, b] = await group(['a', 'b']);
    const raw = rawStream(a.transport.port(), { [metadataGroup]: 'g1', [metadataFrom]: 'evil', [metadataTo]: 'a' });
    raw.call.write({ batch: encodeMessages([msg('evil', 'a', 1)]) });
    raw.call.write({ batch: Buffer.from([1, 0xff, 0xff, 0, 0, 9, 9]) });
    raw.call.write({ batch: encodeMessages([msg('evil', 'a', 2)]) });
    const st = await raw.ended;
    expect(st.code).toBe(status.INVALID_ARGUMENT);
    expect(st.details).toMatch(/malformed frame/);
    expect(a.received.map((m) => m.index)).toEqual([1]);
    expect(a.logs.some((r) => /malformed/.test(r.msg))).toBe(true);

    // Messages on a stream must come from its sender.
    const spoof = rawStream(a.transport.port(), { [metadataGroup]: 'g1', [metadataFrom]: 'evil', [metadataTo]: 'a' });
    spoof.call.write({ batch: encodeMessages([msg('b', 'a', 3)]) });
    expect((await spoof.ended).code).toBe(status.INVALID_ARGUMENT);

    b.transport.send([msg('b', 'a', 4)]);
    await waitFor('b still delivers', () => a.received.some((m) => m.from === 'b'));
    expect(a.received.map((m) => m.index)).toEqual([1, 4]);
  });

  it('bounds the queue of a peer that is down: drops and counts instead of growing', async () => {
    // A listener that accepts TCP but never speaks HTTP/2: the stream stays "connecting".
    const sockets: net.Socket[] = [];
    const blackhole = net.createServer((s) => void sockets.push(s));
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => {
      for (const s of sockets) s.destroy();
      blackhole.close();
    });
    const port = (blackhole.address() as net.AddressInfo).port;
    const bound = 256 * 1024;
    const a = await startNode('a', new Map([['dead', `127.0.0.1:${port}`]]), { peerQueueBytesMax: bound });
    started.push(a.transport);
    const data = Buffer.alloc(1024, 1);
    let maxQueued = 0;
    for (let i = 0; i < 2_000; i++) {
      a.transport.send([msg('a', 'dead', i, { entries: [{ index: i + 1, term: 1, type: 0, data }] })]);
      maxQueued = Math.max(maxQueued, a.transport.stats().dead.queuedBytes);
    }
    const s = a.transport.stats().dead;
    expect(s.connected).toBe(false);
    expect(maxQueued).toBeLessThanOrEqual(bound);
    expect(maxQueued).toBeGreaterThan(bound / 2);
    expect(s.droppedMessages).toBeGreaterThan(1_500);

    // A peer with nothing listening: messages are dropped while backing off, never queued.
    const b = await startNode('b', new Map([['gone', '127.0.0.1:1']]));
    started.push(b.transport);
    await waitFor('first connect attempt fails', () => b.transport.stats().gone.reconnects >= 1 || b.logs.some((r) => /reconnecting/.test(r.msg)));
    for (let i = 0; i < 1_000; i++) b.transport.send([msg('b', 'gone', i, { entries: [{ index: i, term: 1, type: 0, data }] })]);
    // Each is dropped at once (backing off) or when the attempt in progress fails: none linger.
    await waitFor('all dropped', () => b.transport.stats().gone.droppedMessages === 1_000);
    expect(b.transport.stats().gone.queuedBytes).toBe(0);
  });

  it('carries a ~10 MiB snapshot in chunks, intact', async () => {
    const [a, b] = await group(['a', 'b']);
    const data = Buffer.allocUnsafe(10 * 1024 * 1024 + 12_344);
    for (let i = 0; i < data.length; i += 4) data.writeUInt32LE(i, i);
    const snap: Message = msg('a', 'b', 0, {
      type: 6,
      snapshot: { meta: { index: 500, term: 3, conf: { voters: ['a', 'b', 'c'] } }, data },
    });
    a.transport.send([msg('a', 'b', 1), snap, msg('a', 'b', 2)]);
    await waitFor('snapshot delivered', () => b.received.length === 3, 20_000);
    expect(b.received.map((m) => m.type)).toEqual([4, 6, 4]);
    const got = b.received[1].snapshot!;
    expect(got.meta).toEqual({ index: 500, term: 3, conf: { voters: ['a', 'b', 'c'] } });
    expect(Buffer.from(got.data.buffer, got.data.byteOffset, got.data.byteLength).equals(data)).toBe(true);
    // [1], two chunks of the snapshot, [2].
    expect(a.transport.stats().b.sentFrames).toBe(4);
  });

  it('follows membership changes and rejects misaddressed sends', async () => {
    const [a, b, c] = await group(['a', 'b', 'c']);
    a.transport.setPeers(new Map([['b', `127.0.0.1:${b.transport.port()}`]]));
    expect(Object.keys(a.transport.stats())).toEqual(['b']);
    a.transport.send([msg('a', 'c', 1), msg('a', 'b', 2)]);
    await waitFor('b receives', () => b.received.length === 1);
    expect(c.received).toHaveLength(0);
    expect(() => a.transport.send([msg('zz', 'b', 1)])).toThrow(/sent by node "a"/);
  });

  it('stop() leaves no timers or sockets behind, also while backing off', async () => {
    const baseline = process.getActiveResourcesInfo();
    const nodes = await startGroup(['p', 'q', 'r']);
    const p = nodes[0].transport;
    const peers = new Map([...nodes.map((n) => [n.id, `127.0.0.1:${n.transport.port()}`] as const), ['gone', '127.0.0.1:1']]);
    p.setPeers(peers);
    await waitFor('p is backing off from gone', () => p.stats().gone.reconnects >= 1);
    p.send([msg('p', 'q', 1)]);
    await waitFor('delivered', () => nodes[1].received.length === 1);
    for (const n of nodes) await n.transport.stop();
    await waitFor('resources released', () => process.getActiveResourcesInfo().length <= baseline.length, 5_000).catch(() => {
      throw new Error(`before: ${baseline.join(', ')}; after: ${process.getActiveResourcesInfo().join(', ')}`);
    });
  });
});
