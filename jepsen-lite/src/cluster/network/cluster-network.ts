// What carries the nodes' traffic in a jepsen-lite cluster, and how network faults cut it. Two
// kinds: `netns` (every node in a network namespace of its own, faults are nftables rules that
// drop packets) where the host allows it, else `proxy` (a fault-injecting TCP proxy on every
// directed link between nodes, and optionally between the clients and each node).

import type { Link, PartitionShape } from '../tcp-proxy.ts';

export const networkKinds = ['netns', 'proxy'] as const;
export type NetworkKind = (typeof networkKinds)[number];

/** `--network`: auto picks netns when the host allows it and every fault of the run can use it. */
export const networkModes = ['auto', ...networkKinds] as const;
export type NetworkMode = (typeof networkModes)[number];

/** The network a run uses and why (printed in the report). */
export interface NetworkChoice {
  readonly kind: NetworkKind;
  readonly reason: string;
}

export interface ClusterNetwork {
  readonly kind: NetworkKind;
  /** One line for the report: what carries the traffic, how faults cut it. */
  readonly description: string;
  /** The properties of node `selfId` as this network needs them (peer addresses, advertised port). */
  nodeProperties(selfId: string, props: ReadonlyArray<readonly [string, string]>): Array<readonly [string, string]>;
  /** host:port the clients dial to reach node `selfId`'s v2 endpoint. */
  clientEndpoint(selfId: string, host: string, v2Port: number): string;
  /** What partition-oneway from `node` does on this network, for the fault's detail. */
  onewayDetail(node: string): string;
  /** Cuts the directed links of `shape`: their traffic vanishes (nothing is refused). */
  partition(shape: PartitionShape): Promise<Link[]>;
  /** Every peer link loses a share of its traffic; resolves to what was done. */
  loss(): Promise<string>;
  /** Every peer link gets added latency with jitter; resolves to what was done. */
  delay(): Promise<string>;
  /** The clients can no longer reach `selfId`; false when this network cannot cut them. */
  isolateClients(selfId: string): Promise<boolean>;
  /** Every link passes again. */
  heal(): Promise<void>;
  close(): Promise<void>;
  /** Best effort, synchronous: for a harness that exits without close(). */
  closeSync(): void;
}
