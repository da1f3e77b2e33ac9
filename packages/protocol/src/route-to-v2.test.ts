import { describe, expect, it } from 'vitest';
import type { BrokerGroupRoute, NodeRoute, TopicRoute } from './namesrv-types.ts';
import { addressScheme, messageTypesToV2, permToV2, routeToV2MessageQueues } from './route-to-v2.ts';
import { AddressScheme, MessageType, Permission } from './v2-codes.ts';
import { messagingServiceDefinition } from './v2-proto.ts';

function node(id: string, brokerId: number, host: string, port: number): NodeRoute {
  return { nodeId: id, brokerId, role: brokerId === 0 ? 'LEADER' : 'FOLLOWER', raftTerm: 1, v2Endpoint: { host, port }, adminAddress: '', ageMs: 0 };
}

function group(name: string, nodes: NodeRoute[], extra: Partial<BrokerGroupRoute['queues']> = {}): BrokerGroupRoute {
  return {
    clusterName: 'DefaultCluster',
    brokerName: name,
    leaderNodeId: nodes.find((n) => n.brokerId === 0)?.nodeId ?? '',
    queues: { readQueueNums: 8, writeQueueNums: 8, perm: 6, messageTypes: ['NORMAL'], ...extra },
    nodes,
  };
}

const route: TopicRoute = {
  topic: 'TopicTest',
  groups: [
    group('broker-a', [node('n0', 0, '127.0.0.1', 8081), node('n1', 2, '127.0.0.1', 8082), node('n2', 3, '127.0.0.1', 8083)]),
    group('broker-b', [node('n0', 1, 'broker-b-0.internal', 8081)], { messageTypes: ['FIFO'], perm: 4 }),
  ],
};

describe('routeToV2MessageQueues', () => {
  it('one queue-0 entry per live node, one address each, broker id 0 by default', () => {
    const mqs = routeToV2MessageQueues(route, { namespace: 'ns1' });
    expect(mqs).toHaveLength(4);
    expect(mqs.every((mq) => mq.id === 0 && mq.broker!.id === 0 && mq.broker!.endpoints!.addresses.length === 1)).toBe(true);
    expect(mqs[0]).toEqual({
      topic: { resource_namespace: 'ns1', name: 'TopicTest' },
      id: 0,
      permission: Permission.READ_WRITE,
      broker: { name: 'broker-a@n0', id: 0, endpoints: { scheme: AddressScheme.IPv4, addresses: [{ host: '127.0.0.1', port: 8081 }] } },
      accept_message_types: [MessageType.NORMAL],
    });
    // Distinct names per node: the client's send retries pick candidates by distinct broker name.
    expect(mqs.map((mq) => `${mq.broker!.name}:${mq.broker!.endpoints!.addresses[0]!.port}`)).toEqual([
      'broker-a@n0:8081',
      'broker-a@n1:8082',
      'broker-a@n2:8083',
      'broker-b@n0:8081',
    ]);
    expect(routeToV2MessageQueues(route, { brokerNames: 'group' }).map((mq) => mq.broker!.name)).toEqual(['broker-a', 'broker-a', 'broker-a', 'broker-b']);
    expect(mqs[3]).toMatchObject({ permission: Permission.READ, accept_message_types: [MessageType.FIFO] });
    expect(mqs[3]!.broker!.endpoints!.scheme).toBe(AddressScheme.DOMAIN_NAME);
  });

  it('repeats each leader leaderEntries times; retry candidates (distinct names from any start) still reach every node', () => {
    const mqs = routeToV2MessageQueues(route, { leaderEntries: 3 });
    const names = mqs.map((mq) => mq.broker!.name);
    expect(names).toEqual(['broker-a@n0', 'broker-a@n0', 'broker-a@n0', 'broker-a@n1', 'broker-a@n2', 'broker-b@n0']);
    // The client takes up to 3 candidates of distinct broker names, walking round robin from its index.
    for (let start = 0; start < names.length; start++) {
      const seen: string[] = [];
      for (let i = 0; i < names.length && seen.length < 3; i++) {
        const n = names[(start + i) % names.length]!;
        if (!seen.includes(n)) seen.push(n);
      }
      expect(new Set(seen).size).toBe(3);
    }
    expect(() => routeToV2MessageQueues(route, { leaderEntries: 0 })).toThrow(/leaderEntries/);
    expect(() => routeToV2MessageQueues(route, { leaderEntries: 1.5 })).toThrow(/leaderEntries/);
  });

  it("can carry the route's broker ids (leader 0, followers their own)", () => {
    expect(routeToV2MessageQueues(route, { brokerIds: 'route' }).map((mq) => mq.broker!.id)).toEqual([0, 2, 3, 1]);
  });

  it('offers no write to a group without write queues, and no read without read queues', () => {
    const noWrite = routeToV2MessageQueues({ topic: 'T', groups: [group('g', [node('n0', 0, '10.0.0.1', 1)], { writeQueueNums: 0 })] });
    expect(noWrite[0]!.permission).toBe(Permission.READ);
    const none = routeToV2MessageQueues({ topic: 'T', groups: [group('g', [node('n0', 0, '10.0.0.1', 1)], { writeQueueNums: 0, readQueueNums: 0 })] });
    expect(none[0]!.permission).toBe(Permission.NONE);
  });

  it('serializes as a QueryRouteResponse', () => {
    const def = messagingServiceDefinition()['QueryRoute']!;
    const back = def.responseDeserialize(def.responseSerialize({ status: { code: 20000, message: 'OK' }, message_queues: routeToV2MessageQueues(route) })) as {
      message_queues: unknown[];
    };
    expect(back.message_queues).toEqual(routeToV2MessageQueues(route));
  });
});

describe('v2 mappings', () => {
  it('maps RocketMQ permission bits', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map(permToV2)).toEqual([
      Permission.NONE,
      Permission.NONE,
      Permission.WRITE,
      Permission.WRITE,
      Permission.READ,
      Permission.READ,
      Permission.READ_WRITE,
      Permission.READ_WRITE,
    ]);
  });

  it('maps message types; a mixed topic accepts all four', () => {
    expect(messageTypesToV2(['FIFO', 'DELAY'])).toEqual([MessageType.FIFO, MessageType.DELAY]);
    expect(messageTypesToV2([])).toEqual([MessageType.NORMAL, MessageType.FIFO, MessageType.DELAY, MessageType.TRANSACTION]);
  });

  it('detects the address scheme', () => {
    expect([addressScheme('127.0.0.1'), addressScheme('::1'), addressScheme('localhost')]).toEqual([
      AddressScheme.IPv4,
      AddressScheme.IPv6,
      AddressScheme.DOMAIN_NAME,
    ]);
  });
});
