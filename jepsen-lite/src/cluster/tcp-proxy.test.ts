// The proxy on real sockets (127.0.0.1): pass, blackhole (and close at heal), refuse, delay with
// order kept, loss (connections closed), and which links a partition cuts.

import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { partitionLinks, passRule, ProxyMesh, TcpProxy } from './tcp-proxy.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** An echo server; resolves to its port. */
async function echoServer(): Promise<number> {
  const sockets = new Set<net.Socket>();
  const s = net.createServer((c) => {
    sockets.add(c);
    c.on('close', () => sockets.delete(c));
    c.on('error', () => {});
    c.pipe(c);
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => new Promise<void>((r) => { for (const c of sockets) c.destroy(); s.close(() => r()); }));
  return (s.address() as net.AddressInfo).port;
}

async function proxyTo(port: number, random?: () => number): Promise<TcpProxy> {
  const p = new TcpProxy('test', { host: '127.0.0.1', port }, random);
  await p.listen(0);
  cleanups.push(() => p.close());
  return p;
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
    cleanups.push(() => void s.destroy());
  });
}

/** Writes `text`, resolves with what came back within `ms` (and whether the socket closed). */
function roundTrip(s: net.Socket, text: string, ms: number): Promise<{ got: string; closed: boolean }> {
  return new Promise((resolve) => {
    let got = '';
    let closed = false;
    const onData = (d: Buffer) => (got += d.toString());
    s.on('data', onData);
    s.once('close', () => (closed = true));
    s.on('error', () => {});
    s.write(text);
    setTimeout(() => {
      s.off('data', onData);
      resolve({ got, closed });
    }, ms);
  });
}

describe('TcpProxy', () => {
  it('passes bytes both ways', async () => {
    const p = await proxyTo(await echoServer());
    const s = await connect(p.listenPort);
    expect((await roundTrip(s, 'hello', 150)).got).toBe('hello');
    expect(p.stats.accepted).toBe(1);
  });

  it('blackhole swallows everything, then closes the broken connection at heal; new connections work again', async () => {
    const p = await proxyTo(await echoServer());
    const s = await connect(p.listenPort);
    expect((await roundTrip(s, 'a', 100)).got).toBe('a');
    p.setRule({ ...passRule, mode: 'blackhole' });
    const r = await roundTrip(s, 'lost', 200);
    expect(r).toEqual({ got: '', closed: false });
    expect(p.stats.bytesSwallowed).toBeGreaterThan(0);
    p.heal();
    await new Promise((r) => setTimeout(r, 100));
    expect(s.destroyed || s.readableEnded).toBe(true);
    const s2 = await connect(p.listenPort);
    expect((await roundTrip(s2, 'back', 150)).got).toBe('back');
  });

  it('refuse closes open connections and every new one', async () => {
    const p = await proxyTo(await echoServer());
    const s = await connect(p.listenPort);
    const closed = new Promise<void>((r) => s.once('close', () => r()));
    p.setRule({ ...passRule, mode: 'refuse' });
    await closed;
    const s2 = await connect(p.listenPort);
    const r = await roundTrip(s2, 'x', 150);
    expect(r.closed).toBe(true);
    expect(p.stats.refused).toBe(1);
  });

  it('delay adds latency with jitter and keeps the byte order', async () => {
    const p = await proxyTo(await echoServer());
    p.setRule({ ...passRule, delayMs: 80, jitterMs: 40 });
    const s = await connect(p.listenPort);
    const t0 = Date.now();
    const done = new Promise<string>((resolve) => {
      let got = '';
      s.on('data', (d: Buffer) => {
        got += d.toString();
        if (got.length >= 10) resolve(got);
      });
    });
    for (const ch of '0123456789') s.write(ch);
    const got = await done;
    expect(got).toBe('0123456789');
    // two hops through the delayed link: request and echo
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
  });

  it('loss closes connections instead of corrupting bytes', async () => {
    const p = await proxyTo(await echoServer(), () => 0); // every chunk "lost"
    p.setRule({ ...passRule, closeProbability: 0.5 });
    const s = await connect(p.listenPort);
    const r = await roundTrip(s, 'x', 150);
    expect(r).toEqual({ got: '', closed: true });
    expect(p.stats.closedByLoss).toBe(1);
  });

  it('only loopback targets', () => {
    expect(() => new TcpProxy('bad', { host: '10.0.0.1', port: 1 })).toThrow(/only 127.0.0.1/);
  });
});

describe('partitions', () => {
  const nodes = ['n0', 'n1', 'n2'];
  const s = (ls: Array<{ from: string; to: string }>) => ls.map((l) => `${l.from}>${l.to}`).sort();

  it('isolate cuts every link of the node, both ways', () => {
    expect(s(partitionLinks(nodes, { kind: 'isolate', node: 'n1' }))).toEqual(['n0>n1', 'n1>n0', 'n1>n2', 'n2>n1']);
  });
  it('halves cut every link across the split', () => {
    const five = ['n0', 'n1', 'n2', 'n3', 'n4'];
    const cut = partitionLinks(five, { kind: 'halves', minority: ['n3', 'n4'] });
    expect(cut).toHaveLength(12);
    expect(s(cut)).not.toContain('n3>n4');
    expect(s(cut)).toContain('n0>n4');
  });
  it('one-way cuts only what the node opens', () => {
    expect(s(partitionLinks(nodes, { kind: 'oneway', from: 'n0' }))).toEqual(['n0>n1', 'n0>n2']);
  });
  it('a ring leaves each node exactly its two neighbours, both ways', () => {
    const five = ['n0', 'n1', 'n2', 'n3', 'n4'];
    const order = ['n2', 'n0', 'n4', 'n1', 'n3'];
    const cut = new Set(s(partitionLinks(five, { kind: 'ring', order })));
    for (const a of five) {
      const kept = five.filter((b) => b !== a && !cut.has(`${a}>${b}`)).sort();
      const i = order.indexOf(a);
      expect(kept).toEqual([order[(i + 1) % 5]!, order[(i + 4) % 5]!].sort());
    }
    expect(() => partitionLinks(five, { kind: 'ring', order: ['n0', 'n1', 'n2', 'n3', 'n3'] })).toThrow(/every node once/);
  });
  it('a bridge cuts the two sides from each other, never from the bridge node', () => {
    const five = ['n0', 'n1', 'n2', 'n3', 'n4'];
    const cut = s(partitionLinks(five, { kind: 'bridge', bridge: 'n2', sides: [['n0', 'n1'], ['n3', 'n4']] }));
    expect(cut).toEqual(['n0>n3', 'n0>n4', 'n1>n3', 'n1>n4', 'n3>n0', 'n3>n1', 'n4>n0', 'n4>n1']);
    expect(() => partitionLinks(five, { kind: 'bridge', bridge: 'n2', sides: [['n0'], ['n3', 'n4']] })).toThrow(/every node once/);
  });

  it('a mesh routes each directed link to its target and partitions it', async () => {
    const a = await echoServer();
    const b = await echoServer();
    const mesh = await ProxyMesh.start(new Map([['n0', a], ['n1', b]]));
    cleanups.push(() => mesh.close());
    const s01 = await connect(mesh.port('n0', 'n1'));
    expect((await roundTrip(s01, 'to-n1', 150)).got).toBe('to-n1');
    mesh.partition({ kind: 'oneway', from: 'n0' });
    expect((await roundTrip(s01, 'x', 150)).got).toBe('');
    const s10 = await connect(mesh.port('n1', 'n0'));
    expect((await roundTrip(s10, 'to-n0', 150)).got).toBe('to-n0');
    mesh.heal();
    expect(mesh.proxy('n0', 'n1').currentRule.mode).toBe('pass');
  });
});
