// The proxy network: every node on loopback, a fault-injecting TCP proxy on every directed link
// between nodes (ProxyMesh) and, with `proxyClients`, one between the clients and each node
// (ClientProxies). Node a's `dLegerPeers` name the proxies of its links a->b; its own entry stays
// its real peer port (it listens there).

import { delayFaultJitterMsDefault, delayFaultMsDefault, loopbackHost, lossFaultCloseProbabilityDefault } from '../constants.ts';
import { ClientProxies } from '../client-proxies.ts';
import { passRule, ProxyMesh, type Link, type PartitionShape } from '../tcp-proxy.ts';
import type { ClusterNetwork } from './cluster-network.ts';

export class ProxyNetwork implements ClusterNetwork {
  readonly kind = 'proxy' as const;

  private constructor(
    readonly mesh: ProxyMesh,
    readonly clients: ClientProxies | null,
    private readonly peerPorts: ReadonlyMap<string, number>,
  ) {}

  /** `peerPorts` / `v2Ports`: each node's real ports (selfId -> port). */
  static async start(peerPorts: ReadonlyMap<string, number>, v2Ports: ReadonlyMap<string, number>, proxyClients: boolean, random?: () => number): Promise<ProxyNetwork> {
    const mesh = await ProxyMesh.start(peerPorts, random);
    try {
      const clients = proxyClients ? await ClientProxies.start(v2Ports, random) : null;
      return new ProxyNetwork(mesh, clients, peerPorts);
    } catch (err) {
      await mesh.close();
      throw err;
    }
  }

  get description(): string {
    return `TCP proxies on loopback: one per directed peer link${this.clients === null ? '' : ', one per node for the clients'}`;
  }

  nodeProperties(selfId: string, props: ReadonlyArray<readonly [string, string]>): Array<readonly [string, string]> {
    const nodes = [...this.peerPorts.keys()];
    const peers = nodes.map((m) => `${m}-${loopbackHost}:${m === selfId ? this.peerPorts.get(m)! : this.mesh.port(selfId, m)}`).join(';');
    const out: Array<readonly [string, string]> = props.map(([k, v]) => [k, k === 'dLegerPeers' ? peers : v] as const);
    if (this.clients !== null) out.push(['advertisedListenPort', String(this.clients.port(selfId))]);
    return out;
  }

  clientEndpoint(selfId: string, host: string, v2Port: number): string {
    return `${host}:${this.clients === null ? v2Port : this.clients.port(selfId)}`;
  }

  onewayDetail(node: string): string {
    return `${node} cannot open or use connections to anyone; others still reach it`;
  }

  async partition(shape: PartitionShape): Promise<Link[]> {
    return this.mesh.partition(shape);
  }

  async loss(): Promise<string> {
    this.mesh.set(this.mesh.allLinks(), { ...passRule, closeProbability: lossFaultCloseProbabilityDefault });
    return `every peer link closes its connection on ${lossFaultCloseProbabilityDefault * 100}% of chunks`;
  }

  async delay(): Promise<string> {
    this.mesh.set(this.mesh.allLinks(), { ...passRule, delayMs: delayFaultMsDefault, jitterMs: delayFaultJitterMsDefault });
    return `every peer link +${delayFaultMsDefault} ms ±${delayFaultJitterMsDefault} ms`;
  }

  async isolateClients(selfId: string): Promise<boolean> {
    if (this.clients === null) return false;
    this.clients.isolate(selfId);
    return true;
  }

  async heal(): Promise<void> {
    this.mesh.heal();
    this.clients?.heal();
  }

  async close(): Promise<void> {
    await this.mesh.close();
    await this.clients?.close();
  }

  closeSync(): void {
    // The proxies live in this process: they end with it.
  }
}
