// One fault-injecting TCP proxy in front of each node's v2 port, for the clients. The node
// advertises the proxy's port in its routes (`advertisedListenPort`), so every client call to
// that node — the first route query and every later send, receive and ack — goes through it,
// and a fault can cut the clients off one node (partition-leader with client links).

import { loopbackHost } from './constants.ts';
import { ProxyError } from './errors.ts';
import { passRule, TcpProxy } from './tcp-proxy.ts';

export class ClientProxies {
  private readonly proxies = new Map<string, TcpProxy>();
  private readonly cut = new Set<string>();

  private constructor() {}

  /** `v2Ports`: each node's real v2 port. Resolves once every proxy listens. */
  static async start(v2Ports: ReadonlyMap<string, number>, random: () => number = Math.random): Promise<ClientProxies> {
    const c = new ClientProxies();
    try {
      for (const [node, port] of v2Ports) {
        const p = new TcpProxy(`clients->${node}`, { host: loopbackHost, port }, random);
        await p.listen(0);
        c.proxies.set(node, p);
      }
    } catch (err) {
      await c.close();
      throw err;
    }
    return c;
  }

  private proxy(node: string): TcpProxy {
    const p = this.proxies.get(node);
    if (p === undefined) throw new ProxyError(`no client proxy for ${node}`);
    return p;
  }

  /** The port clients dial (and the node advertises) to reach `node`. */
  port(node: string): number {
    return this.proxy(node).listenPort;
  }

  /** Clients can no longer reach `node`: their bytes are swallowed (calls time out, like a partition). */
  isolate(node: string): void {
    this.proxy(node).setRule({ ...passRule, mode: 'blackhole' });
    this.cut.add(node);
  }

  /** Nodes the clients cannot reach now. */
  get isolated(): string[] {
    return [...this.cut].sort();
  }

  heal(): void {
    for (const p of this.proxies.values()) p.heal();
    this.cut.clear();
  }

  async close(): Promise<void> {
    await Promise.all([...this.proxies.values()].map((p) => p.close()));
    this.proxies.clear();
  }
}
