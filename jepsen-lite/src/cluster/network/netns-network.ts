// The netns network: nodes in namespaces of their own (netns-topology.ts); a fault is each
// node's nftables input rules, replaced in one transaction per node. Peers reach each other at
// their own addresses, so the node properties need no rewriting; the clients dial the nodes'
// v2 ports directly (cutting the clients off a node takes --proxy-clients and the proxy network).

import { lossFaultPacketPermilleNetns } from '../constants.ts';
import { NetnsError } from '../errors.ts';
import { partitionLinks, type Link, type PartitionShape } from '../tcp-proxy.ts';
import type { ClusterNetwork } from './cluster-network.ts';
import { nftApply } from './netns-commands.ts';
import type { NetnsTopology } from './netns-topology.ts';
import { passRules, renderNodeRuleset, rulesForLinks, type NodeRules } from './nft-ruleset.ts';

export class NetnsNetwork implements ClusterNetwork {
  readonly kind = 'netns' as const;

  constructor(readonly topology: NetnsTopology) {}

  get description(): string {
    const t = this.topology;
    return `network namespaces ${t.namespaceOf(t.nodes[0]!)}.. on ${t.subnet}, faults are nftables drops at the receiver`;
  }

  nodeProperties(_selfId: string, props: ReadonlyArray<readonly [string, string]>): Array<readonly [string, string]> {
    return [...props];
  }

  clientEndpoint(_selfId: string, host: string, v2Port: number): string {
    return `${host}:${v2Port}`;
  }

  onewayDetail(node: string): string {
    return `every packet ${node} sends to a peer is dropped; packets to it still arrive`;
  }

  async partition(shape: PartitionShape): Promise<Link[]> {
    const nodes = this.topology.nodes;
    const links = partitionLinks(nodes, shape);
    await this.apply(rulesForLinks(nodes, links, (n) => this.topology.addressOf(n)));
    return links;
  }

  async loss(): Promise<string> {
    const nodes = this.topology.nodes;
    const rules = new Map<string, NodeRules>();
    for (const n of nodes) rules.set(n, { ...passRules, lossPermille: lossFaultPacketPermilleNetns, lossFrom: nodes.filter((m) => m !== n).map((m) => this.topology.addressOf(m)) });
    await this.apply(rules);
    return `every node drops ${lossFaultPacketPermilleNetns / 10}% of its peers' packets at random`;
  }

  async delay(): Promise<string> {
    throw new NetnsError('the delay fault needs the proxy network (this kernel has no netem): run with --network proxy');
  }

  async isolateClients(): Promise<boolean> {
    return false;
  }

  async heal(): Promise<void> {
    await this.apply(new Map(this.topology.nodes.map((n) => [n, passRules] as const)));
  }

  async close(): Promise<void> {
    this.topology.destroySync();
  }

  closeSync(): void {
    this.topology.destroySync();
  }

  private async apply(rules: ReadonlyMap<string, NodeRules>): Promise<void> {
    await Promise.all([...rules].map(([n, r]) => nftApply(this.topology.namespaceOf(n), renderNodeRuleset(r))));
  }
}
