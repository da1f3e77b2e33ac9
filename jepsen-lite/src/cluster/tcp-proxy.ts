// A fault-injecting TCP proxy. One `TcpProxy` is one directed link (connections opened by node a
// towards node b): it can pass, blackhole (forward nothing; connections that lost bytes are
// closed at heal, since TCP cannot lose bytes in the middle of a stream), refuse (close every
// connection), delay each chunk with jitter (order kept), and close connections at random
// ("loss": a share of the traffic is lost, the way a real network loses it from TCP's view).
// `ProxyMesh` holds one proxy per ordered pair of nodes; `partitionLinks` (pure) says which
// directed links a partition cuts.

import net from 'node:net';
import { loopbackHost, proxyConnectionsMax, proxyDelayQueueBytesMax } from './constants.ts';
import { ProxyError } from './errors.ts';

export interface LinkRule {
  /** pass: forward; blackhole: accept and swallow; refuse: close every connection at once */
  readonly mode: 'pass' | 'blackhole' | 'refuse';
  readonly delayMs: number;
  readonly jitterMs: number;
  /** per forwarded chunk, the chance the connection is closed instead */
  readonly closeProbability: number;
}

export const passRule: LinkRule = { mode: 'pass', delayMs: 0, jitterMs: 0, closeProbability: 0 };

export interface ProxyStats {
  accepted: number;
  refused: number;
  closedByLoss: number;
  bytesForwarded: number;
  bytesSwallowed: number;
}

interface Conn {
  readonly client: net.Socket;
  readonly upstream: net.Socket;
  /** bytes were swallowed: the stream is broken, close it when the link heals */
  tainted: boolean;
  /** per direction: when the last delayed chunk is due (keeps order), and bytes held */
  dueMs: [number, number];
  heldBytes: [number, number];
}

export class TcpProxy {
  private server: net.Server | null = null;
  private readonly conns = new Set<Conn>();
  private rule: LinkRule = passRule;
  private closed = false;
  readonly stats: ProxyStats = { accepted: 0, refused: 0, closedByLoss: 0, bytesForwarded: 0, bytesSwallowed: 0 };
  private port = 0;

  constructor(
    readonly name: string,
    private readonly target: { readonly host: string; readonly port: number },
    private readonly random: () => number = Math.random,
  ) {
    if (target.host !== loopbackHost) throw new ProxyError(`${name}: only ${loopbackHost} targets are allowed, got ${target.host}`);
  }

  /** Listens on 127.0.0.1:`port` (0 = any free port); resolves to the port. */
  async listen(port = 0): Promise<number> {
    if (this.closed) throw new ProxyError(`${this.name}: closed`);
    const server = net.createServer((c) => this.accept(c));
    server.maxConnections = proxyConnectionsMax;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new ProxyError(`${this.name}: cannot listen on ${loopbackHost}:${port}: ${err.message}`, { cause: err })));
      server.listen(port, loopbackHost, () => resolve());
    });
    this.server = server;
    this.port = (server.address() as net.AddressInfo).port;
    return this.port;
  }

  get listenPort(): number {
    return this.port;
  }

  get connectionCount(): number {
    return this.conns.size;
  }

  get currentRule(): LinkRule {
    return this.rule;
  }

  setRule(rule: LinkRule): void {
    if (rule.closeProbability < 0 || rule.closeProbability > 1) throw new ProxyError(`closeProbability ${rule.closeProbability} out of 0..1`);
    if (rule.delayMs < 0 || rule.jitterMs < 0) throw new ProxyError('negative delay');
    this.rule = rule;
    if (rule.mode === 'refuse') for (const c of [...this.conns]) this.destroy(c);
    if (rule.mode === 'pass') for (const c of [...this.conns]) if (c.tainted) this.destroy(c);
  }

  heal(): void {
    this.setRule(passRule);
  }

  /** Closes every connection and the listener. */
  async close(): Promise<void> {
    this.closed = true;
    for (const c of [...this.conns]) this.destroy(c);
    const s = this.server;
    this.server = null;
    if (s !== null) await new Promise<void>((r) => s.close(() => r()));
  }

  private accept(client: net.Socket): void {
    if (this.closed || this.rule.mode === 'refuse' || this.conns.size >= proxyConnectionsMax) {
      this.stats.refused++;
      client.destroy();
      return;
    }
    this.stats.accepted++;
    client.setNoDelay(true);
    const upstream = net.connect({ host: this.target.host, port: this.target.port });
    upstream.setNoDelay(true);
    const conn: Conn = { client, upstream, tainted: false, dueMs: [0, 0], heldBytes: [0, 0] };
    this.conns.add(conn);
    const end = () => this.destroy(conn);
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.on('data', (d: Buffer) => this.chunk(conn, 0, d));
    upstream.on('data', (d: Buffer) => this.chunk(conn, 1, d));
  }

  private chunk(conn: Conn, dir: 0 | 1, data: Buffer): void {
    const r = this.rule;
    if (r.mode === 'refuse') return this.destroy(conn);
    if (r.mode === 'blackhole') {
      conn.tainted = true;
      this.stats.bytesSwallowed += data.length;
      return;
    }
    if (conn.tainted) return this.destroy(conn);
    if (r.closeProbability > 0 && this.random() < r.closeProbability) {
      this.stats.closedByLoss++;
      return this.destroy(conn);
    }
    const out = dir === 0 ? conn.upstream : conn.client;
    if (r.delayMs === 0 && r.jitterMs === 0 && conn.heldBytes[dir] === 0) {
      this.stats.bytesForwarded += data.length;
      out.write(data);
      return;
    }
    if (conn.heldBytes[dir] + data.length > proxyDelayQueueBytesMax) return this.destroy(conn);
    const now = Date.now();
    const due = Math.max(conn.dueMs[dir], now + r.delayMs + r.jitterMs * this.random());
    conn.dueMs[dir] = due;
    conn.heldBytes[dir] += data.length;
    setTimeout(() => {
      conn.heldBytes[dir] -= data.length;
      if (!this.conns.has(conn)) return;
      if (this.rule.mode === 'blackhole') {
        conn.tainted = true;
        this.stats.bytesSwallowed += data.length;
        return;
      }
      this.stats.bytesForwarded += data.length;
      out.write(data);
    }, Math.max(0, due - now));
  }

  private destroy(conn: Conn): void {
    if (!this.conns.delete(conn)) return;
    conn.client.destroy();
    conn.upstream.destroy();
  }
}

/** A directed link: connections node `from` opens towards node `to`. */
export interface Link {
  readonly from: string;
  readonly to: string;
}

export type PartitionShape =
  | { readonly kind: 'isolate'; readonly node: string }
  | { readonly kind: 'halves'; readonly minority: readonly string[] }
  | { readonly kind: 'oneway'; readonly from: string }
  /** each node reaches only its two neighbours in `order` (a cycle over every node) */
  | { readonly kind: 'ring'; readonly order: readonly string[] }
  /** two sides that cannot reach each other; `bridge` reaches (and is reached by) both */
  | { readonly kind: 'bridge'; readonly bridge: string; readonly sides: readonly [readonly string[], readonly string[]] };

/** The directed links a partition cuts (pure). */
export function partitionLinks(nodes: readonly string[], shape: PartitionShape): Link[] {
  const all: Link[] = nodes.flatMap((a) => nodes.filter((b) => b !== a).map((b) => ({ from: a, to: b })));
  switch (shape.kind) {
    case 'isolate':
      return all.filter((l) => l.from === shape.node || l.to === shape.node);
    case 'halves': {
      const m = new Set(shape.minority);
      return all.filter((l) => m.has(l.from) !== m.has(l.to));
    }
    case 'oneway':
      // `from` can no longer reach anyone; everyone can still reach it (and hear its replies).
      return all.filter((l) => l.from === shape.from);
    case 'ring': {
      const n = shape.order.length;
      if (n !== nodes.length || new Set(shape.order).size !== n || !nodes.every((x) => shape.order.includes(x))) {
        throw new ProxyError(`ring order ${shape.order.join(',')} must name every node once`);
      }
      const at = new Map(shape.order.map((x, i) => [x, i] as const));
      const neighbours = (a: string, b: string) => {
        const d = Math.abs(at.get(a)! - at.get(b)!);
        return d === 1 || d === n - 1;
      };
      return all.filter((l) => !neighbours(l.from, l.to));
    }
    case 'bridge': {
      const [x, y] = shape.sides.map((side) => new Set(side));
      const covered = [shape.bridge, ...x!, ...y!];
      if (covered.length !== nodes.length || new Set(covered).size !== nodes.length || !nodes.every((m) => covered.includes(m))) {
        throw new ProxyError(`bridge ${shape.bridge} and sides {${[...x!].join(',')}} {${[...y!].join(',')}} must split every node once`);
      }
      return all.filter((l) => (x!.has(l.from) && y!.has(l.to)) || (y!.has(l.from) && x!.has(l.to)));
    }
  }
}

/** One proxy per ordered pair of nodes, in front of each node's peer port. */
export class ProxyMesh {
  private readonly proxies = new Map<string, TcpProxy>();

  private constructor(readonly nodes: readonly string[]) {}

  /**
   * `peerPorts`: the real peer port of each node. Returns the mesh once every proxy listens;
   * `port(from, to)` is what `from` must dial to reach `to`.
   */
  static async start(peerPorts: ReadonlyMap<string, number>, random: () => number = Math.random): Promise<ProxyMesh> {
    const nodes = [...peerPorts.keys()];
    const mesh = new ProxyMesh(nodes);
    try {
      for (const from of nodes) {
        for (const to of nodes) {
          if (from === to) continue;
          const p = new TcpProxy(`${from}->${to}`, { host: loopbackHost, port: peerPorts.get(to)! }, random);
          await p.listen(0);
          mesh.proxies.set(key(from, to), p);
        }
      }
    } catch (err) {
      await mesh.close();
      throw err;
    }
    return mesh;
  }

  proxy(from: string, to: string): TcpProxy {
    const p = this.proxies.get(key(from, to));
    if (p === undefined) throw new ProxyError(`no proxy for link ${from}->${to}`);
    return p;
  }

  port(from: string, to: string): number {
    return this.proxy(from, to).listenPort;
  }

  set(links: readonly Link[], rule: LinkRule): void {
    for (const l of links) this.proxy(l.from, l.to).setRule(rule);
  }

  allLinks(): Link[] {
    return this.nodes.flatMap((a) => this.nodes.filter((b) => b !== a).map((b) => ({ from: a, to: b })));
  }

  partition(shape: PartitionShape, mode: 'blackhole' | 'refuse' = 'blackhole'): Link[] {
    const links = partitionLinks(this.nodes, shape);
    this.set(links, { ...passRule, mode });
    return links;
  }

  heal(): void {
    for (const p of this.proxies.values()) p.heal();
  }

  stats(): Record<string, ProxyStats> {
    return Object.fromEntries([...this.proxies].map(([k, p]) => [k, { ...p.stats }]));
  }

  async close(): Promise<void> {
    await Promise.all([...this.proxies.values()].map((p) => p.close()));
  }
}

function key(from: string, to: string): string {
  return `${from}->${to}`;
}
