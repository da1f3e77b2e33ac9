// A NameServer route -> the `message_queues` of a v2 QueryRouteResponse, shaped for what the
// official clients really do (PROTOCOL-V2-NOTES.md, "Traps" and "More facts"):
//  - one entry per live node of every group, each with queue id 0: the Node.js client only
//    uses queue 0, and spreading entries over every node lets it ride through a failover by
//    avoiding the node that failed (every node accepts the call and forwards to the leader);
//    the leader's entry may be repeated (leaderEntries) so that most sends skip the forward;
//  - one address per entry (a multi-address endpoint is a gRPC target the client cannot dial);
//  - the broker's real queue is chosen by the server, not by the client's queue id;
//  - accept_message_types lists what the topic accepts (with validate_message_type the client
//    refuses to send any other type);
//  - broker.id is 0 on every entry by default, because clients that select queues by broker
//    id (the master's, 0) would otherwise skip the followers' entries;
//  - broker.name is `<group>@<node>` by default: the client's publishing load balancer takes
//    its retry candidates from distinct broker names, so with one name per group all three
//    attempts of a send would go to the same (possibly dead) node. The server never reads the
//    name back (it picks the queue itself).

import { isIPv4, isIPv6 } from 'node:net';
import { leaderEntriesMax, permBits, v2RouteQueueId } from './constants.ts';
import type { BrokerGroupRoute, TopicMessageType, TopicRoute } from './namesrv-types.ts';
import { AddressScheme, MessageType, Permission } from './v2-codes.ts';
import type { MessageQueue } from './v2-types.ts';

export interface RouteToV2Options {
  /** `resource_namespace` of the topic in every entry (the client's namespace header). */
  readonly namespace?: string;
  /**
   * 'zero' (default): broker.id 0 on every entry. 'route': the route's ids (leader 0,
   * followers their registered id).
   */
  readonly brokerIds?: 'zero' | 'route';
  /** 'per-node' (default): `<brokerName>@<nodeId>` on each entry. 'group': the group's name. */
  readonly brokerNames?: 'per-node' | 'group';
  /**
   * How many entries the leader of each group gets (default 1). The client spreads sends
   * round robin over the entries, so with k leader entries k/(k + followers) of them reach the
   * leader directly instead of through a follower's forward (two processes' work per call).
   * Its retry candidates still come from distinct broker names, so a failover is unchanged.
   */
  readonly leaderEntries?: number;
}

/** RocketMQ permission bits -> v2 Permission. */
export function permToV2(perm: number): Permission {
  const read = (perm & permBits.read) !== 0;
  const write = (perm & permBits.write) !== 0;
  if (read && write) return Permission.READ_WRITE;
  if (read) return Permission.READ;
  if (write) return Permission.WRITE;
  return Permission.NONE;
}

const v2TypeOf: Record<TopicMessageType, MessageType> = {
  NORMAL: MessageType.NORMAL,
  FIFO: MessageType.FIFO,
  DELAY: MessageType.DELAY,
  TRANSACTION: MessageType.TRANSACTION,
};

/** A topic's types -> accept_message_types; an empty list (a mixed topic) accepts all four. */
export function messageTypesToV2(types: readonly TopicMessageType[]): MessageType[] {
  const list = types.length === 0 ? (['NORMAL', 'FIFO', 'DELAY', 'TRANSACTION'] as const) : types;
  return list.map((t) => v2TypeOf[t]);
}

export function addressScheme(host: string): AddressScheme {
  if (isIPv4(host)) return AddressScheme.IPv4;
  if (isIPv6(host)) return AddressScheme.IPv6;
  return AddressScheme.DOMAIN_NAME;
}

/** The permission of a group's entries: a side with no queues is not offered. */
function groupPermission(group: BrokerGroupRoute): Permission {
  let perm = group.queues.perm;
  if (group.queues.readQueueNums === 0) perm &= ~permBits.read;
  if (group.queues.writeQueueNums === 0) perm &= ~permBits.write;
  return permToV2(perm);
}

export function routeToV2MessageQueues(route: TopicRoute, options: RouteToV2Options = {}): MessageQueue[] {
  const namespace = options.namespace ?? '';
  const brokerIds = options.brokerIds ?? 'zero';
  const perNode = (options.brokerNames ?? 'per-node') === 'per-node';
  const leaderEntries = options.leaderEntries ?? 1;
  if (!(Number.isInteger(leaderEntries) && leaderEntries >= 1 && leaderEntries <= leaderEntriesMax)) throw new RangeError(`leaderEntries must be an integer in 1..${leaderEntriesMax}, got ${leaderEntries}`);
  const out: MessageQueue[] = [];
  for (const group of route.groups) {
    const permission = groupPermission(group);
    const accept = messageTypesToV2(group.queues.messageTypes);
    for (const node of group.nodes) {
      const copies = node.role === 'LEADER' ? leaderEntries : 1;
      for (let c = 0; c < copies; c++) out.push({
        topic: { resource_namespace: namespace, name: route.topic },
        id: v2RouteQueueId,
        permission,
        broker: {
          name: perNode && node.nodeId !== '' ? `${group.brokerName}@${node.nodeId}` : group.brokerName,
          id: brokerIds === 'zero' ? 0 : node.brokerId,
          endpoints: {
            scheme: addressScheme(node.v2Endpoint.host),
            addresses: [{ host: node.v2Endpoint.host, port: node.v2Endpoint.port }],
          },
        },
        accept_message_types: [...accept],
      });
    }
  }
  return out;
}
