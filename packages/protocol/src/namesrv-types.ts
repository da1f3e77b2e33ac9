// The NameServer's data, as the route table holds it and as it travels in proto/namesrv.proto
// (decoded with the options of namesrv-proto.ts: camelCase names, enums as their names,
// uint64 as numbers). A decoded message is checked by namesrv-codec.ts before it is used.

export const nodeRoles = ['LEADER', 'FOLLOWER', 'CANDIDATE'] as const;
export type NodeRole = (typeof nodeRoles)[number];

export const topicMessageTypes = ['NORMAL', 'FIFO', 'DELAY', 'TRANSACTION'] as const;
export type TopicMessageType = (typeof topicMessageTypes)[number];

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface TopicConfig {
  readonly name: string;
  readonly readQueueNums: number;
  readonly writeQueueNums: number;
  /** RocketMQ permission bits (constants.ts `permBits`). */
  readonly perm: number;
  /** Empty: any type. */
  readonly messageTypes: readonly TopicMessageType[];
}

export interface BrokerRegistration {
  readonly clusterName: string;
  readonly brokerName: string;
  /** The node's stable id in its group, >= 1; routes show the leader as 0. */
  readonly brokerId: number;
  readonly nodeId: string;
  readonly role: NodeRole;
  readonly raftTerm: number;
  readonly v2Endpoint: HostPort;
  readonly adminAddress: string;
  readonly topics: readonly TopicConfig[];
  /** LEADER only: nodes of the group it has not heard from lately (left out of routes). */
  readonly unreachableNodeIds?: readonly string[];
  /**
   * LEADER only: the voters of the group's configuration as it knows it. A registered node not
   * among them (removed from the group but still running) is left out of routes. Absent or
   * empty: every live node is routed (a broker that does not say).
   */
  readonly voterIds?: readonly string[];
  /** '' when the broker does not use incarnations (every registration is then applied). */
  readonly incarnation: string;
  readonly sequence: number;
}

export interface RegisterResult {
  readonly expireMs: number;
  readonly leaderNodeId: string;
  readonly liveNodes: number;
  readonly applied: boolean;
}

export interface NodeKey {
  readonly clusterName: string;
  readonly brokerName: string;
  readonly nodeId: string;
  /** '' removes whatever incarnation is registered. */
  readonly incarnation?: string;
}

export interface NodeRoute {
  readonly nodeId: string;
  /** 0 for the group's leader. */
  readonly brokerId: number;
  readonly role: NodeRole;
  readonly raftTerm: number;
  readonly v2Endpoint: HostPort;
  readonly adminAddress: string;
  readonly ageMs: number;
}

export interface QueueData {
  readonly readQueueNums: number;
  readonly writeQueueNums: number;
  readonly perm: number;
  readonly messageTypes: readonly TopicMessageType[];
}

export interface BrokerGroupRoute {
  readonly clusterName: string;
  readonly brokerName: string;
  /** '' while the group has no live leader. */
  readonly leaderNodeId: string;
  readonly queues: QueueData;
  readonly nodes: readonly NodeRoute[];
}

export interface TopicRoute {
  readonly topic: string;
  readonly groups: readonly BrokerGroupRoute[];
}

export interface BrokerGroupInfo {
  readonly brokerName: string;
  readonly leaderNodeId: string;
  readonly nodes: readonly NodeRoute[];
  readonly topicCount: number;
}

export interface ClusterInfo {
  readonly clusterName: string;
  readonly groups: readonly BrokerGroupInfo[];
}
