import { describe, expect, it } from 'vitest';
import type { BrokerRegistration, TopicConfig } from '@ledgermq/protocol';
import { BrokerIdConflictError, ClusterMismatchError } from './errors.ts';
import { RouteTable } from './route-table.ts';

const expireMs = 120_000;

function topic(name: string, extra: Partial<TopicConfig> = {}): TopicConfig {
  return { name, readQueueNums: 8, writeQueueNums: 8, perm: 6, messageTypes: ['NORMAL'], ...extra };
}

function reg(nodeIndex: number, extra: Partial<BrokerRegistration> = {}): BrokerRegistration {
  return {
    clusterName: 'DefaultCluster',
    brokerName: 'broker-a',
    brokerId: nodeIndex + 1,
    nodeId: `n${nodeIndex}`,
    role: nodeIndex === 0 ? 'LEADER' : 'FOLLOWER',
    raftTerm: 3,
    v2Endpoint: { host: '127.0.0.1', port: 8081 + nodeIndex },
    adminAddress: `127.0.0.1:${40_800 + nodeIndex}`,
    topics: [topic('TopicTest')],
    incarnation: '',
    sequence: 0,
    ...extra,
  };
}

function registerGroup(t: RouteTable, nowMs: number, extra: Partial<BrokerRegistration> = {}): void {
  for (const i of [0, 1, 2]) t.register(reg(i, extra), nowMs);
}

describe('RouteTable', () => {
  it("leaves out the nodes the group's leader reports unreachable, at once", () => {
    const t = new RouteTable({ expireMs });
    registerGroup(t, 1_000);
    // n0 died; n1 won the election and cannot reach it. n0's registration has not expired.
    t.register(reg(1, { role: 'LEADER', raftTerm: 4, unreachableNodeIds: ['n0'] }), 2_000);
    const nodes = t.queryRoute('TopicTest', 2_500)!.groups[0]!.nodes;
    expect(nodes.map((n) => [n.nodeId, n.brokerId])).toEqual([['n1', 0], ['n2', 3]]);
    // Once n1 hears from n0 again it says so, and n0 is routed to again.
    t.register(reg(0, { role: 'FOLLOWER', raftTerm: 4 }), 3_000);
    t.register(reg(1, { role: 'LEADER', raftTerm: 4, unreachableNodeIds: [] }), 3_000);
    expect(t.queryRoute('TopicTest', 3_500)!.groups[0]!.nodes.map((n) => n.nodeId)).toEqual(['n0', 'n1', 'n2']);
  });

  it("leaves out a registered node that is not a voter of the leader's configuration", () => {
    const t = new RouteTable({ expireMs });
    registerGroup(t, 1_000);
    // n2 was removed from the group but keeps running and registering.
    t.register(reg(0, { voterIds: ['n0', 'n1'] }), 2_000);
    t.register(reg(2, { raftTerm: 3 }), 2_100);
    expect(t.queryRoute('TopicTest', 2_500)!.groups[0]!.nodes.map((n) => n.nodeId)).toEqual(['n0', 'n1']);
    // The cluster view still shows it: an operator may add it back.
    expect(t.clusterInfo(2_500)[0]!.groups[0]!.nodes.map((n) => n.nodeId)).toEqual(['n0', 'n1', 'n2']);
    // Added back: the leader says so and n2 is routed to again.
    t.register(reg(0, { voterIds: ['n0', 'n1', 'n2'] }), 3_000);
    expect(t.queryRoute('TopicTest', 3_500)!.groups[0]!.nodes.map((n) => n.nodeId)).toEqual(['n0', 'n1', 'n2']);
  });

  it('routes a topic to every live node of its group, leader as broker id 0', () => {
    const t = new RouteTable({ expireMs });
    registerGroup(t, 1_000);
    const route = t.queryRoute('TopicTest', 1_500)!;
    expect(route.topic).toBe('TopicTest');
    expect(route.groups).toHaveLength(1);
    const g = route.groups[0]!;
    expect(g).toMatchObject({ clusterName: 'DefaultCluster', brokerName: 'broker-a', leaderNodeId: 'n0' });
    expect(g.queues).toEqual({ readQueueNums: 8, writeQueueNums: 8, perm: 6, messageTypes: ['NORMAL'] });
    expect(g.nodes.map((n) => [n.nodeId, n.brokerId, n.role, n.v2Endpoint.port, n.ageMs])).toEqual([
      ['n0', 0, 'LEADER', 8081, 500],
      ['n1', 2, 'FOLLOWER', 8082, 500],
      ['n2', 3, 'FOLLOWER', 8083, 500],
    ]);
    expect(t.queryRoute('Unknown', 1_500)).toBeNull();
  });

  it('drops a node not heard from for more than 120 s, in answers at once and in scan', () => {
    const t = new RouteTable({ expireMs });
    registerGroup(t, 0);
    t.register(reg(1), 60_000); // n1 and n2 refresh; n0 stays silent
    t.register(reg(2), 60_000);
    const at = (nowMs: number) => t.queryRoute('TopicTest', nowMs)!.groups[0]!;

    expect(at(expireMs).nodes.map((n) => n.nodeId)).toEqual(['n0', 'n1', 'n2']);
    expect(t.scan(expireMs)).toEqual([]);
    const after = at(expireMs + 1);
    expect(after.nodes.map((n) => n.nodeId)).toEqual(['n1', 'n2']);
    expect(after.leaderNodeId).toBe('');
    expect(after.nodes.every((n) => n.brokerId !== 0)).toBe(true);
    expect(t.nodeCount).toBe(3); // not scanned yet
    expect(t.scan(expireMs + 1)).toEqual([{ clusterName: 'DefaultCluster', brokerName: 'broker-a', nodeId: 'n0', silentMs: expireMs + 1 }]);
    expect(t.nodeCount).toBe(2);

    // Everyone silent: the group and the topic disappear.
    expect(t.queryRoute('TopicTest', 60_000 + expireMs + 1)).toBeNull();
    expect(t.scan(60_000 + expireMs + 1)).toHaveLength(2);
    expect(t.nodeCount).toBe(0);
    expect(t.clusterInfo(60_000 + expireMs + 1)).toEqual([]);
  });

  it('a re-registration keeps a node alive and replaces what was known', () => {
    const t = new RouteTable({ expireMs });
    const first = t.register(reg(0), 0);
    expect(first).toMatchObject({ applied: true, firstSeen: true, changed: true, leaderChanged: true, leaderNodeId: 'n0', liveNodes: 1, expireMs });
    for (let now = 30_000; now <= 600_000; now += 30_000) {
      const again = t.register(reg(0, { topics: [topic('TopicTest'), topic(`T${now}`)] }), now);
      expect(again).toMatchObject({ applied: true, firstSeen: false, changed: false, leaderChanged: false });
      expect(t.scan(now)).toEqual([]);
    }
    expect(t.topics(600_000)).toEqual(['T600000', 'TopicTest']);
    // An expired node that comes back is first seen again.
    expect(t.register(reg(0), 600_000 + expireMs + 5).firstSeen).toBe(true);
  });

  it('role change: the new leader takes broker id 0 at once; a stale leader of an older term is a follower', () => {
    const t = new RouteTable({ expireMs });
    registerGroup(t, 0);
    // n1 wins term 4 and registers at once; n0 has not noticed yet (still LEADER of term 3).
    const outcome = t.register(reg(1, { role: 'LEADER', raftTerm: 4 }), 1_000);
    expect(outcome).toMatchObject({ changed: true, leaderChanged: true, leaderNodeId: 'n1' });
    let g = t.queryRoute('TopicTest', 1_000)!.groups[0]!;
    expect(g.leaderNodeId).toBe('n1');
    expect(g.nodes.map((n) => [n.nodeId, n.brokerId, n.role])).toEqual([
      ['n0', 1, 'FOLLOWER'],
      ['n1', 0, 'LEADER'],
      ['n2', 3, 'FOLLOWER'],
    ]);
    // n0 steps down and registers as a follower of term 4.
    t.register(reg(0, { role: 'FOLLOWER', raftTerm: 4 }), 2_000);
    g = t.queryRoute('TopicTest', 2_000)!.groups[0]!;
    expect(g.nodes.filter((n) => n.brokerId === 0).map((n) => n.nodeId)).toEqual(['n1']);
    // The leader dies: no leader until someone registers as one.
    t.unregister({ clusterName: 'DefaultCluster', brokerName: 'broker-a', nodeId: 'n1' }, 3_000);
    g = t.queryRoute('TopicTest', 3_000)!.groups[0]!;
    expect(g.leaderNodeId).toBe('');
    expect(g.nodes.map((n) => n.nodeId)).toEqual(['n0', 'n2']);
  });

  it("a group's topics are the leader's, or without one the highest-term node's", () => {
    const t = new RouteTable({ expireMs });
    t.register(reg(0, { topics: [topic('A'), topic('B', { writeQueueNums: 4, perm: 4, messageTypes: ['FIFO'] })] }), 0);
    t.register(reg(1, { topics: [topic('A')] }), 0); // a lagging follower that has not applied B yet
    const b = t.queryRoute('B', 0)!.groups[0]!;
    expect(b.queues).toEqual({ readQueueNums: 8, writeQueueNums: 4, perm: 4, messageTypes: ['FIFO'] });
    expect(b.nodes.map((n) => n.nodeId)).toEqual(['n0', 'n1']);
    t.register(reg(2, { role: 'CANDIDATE', raftTerm: 5, topics: [topic('A'), topic('C')] }), 10);
    expect(t.topics(10)).toEqual(['A', 'B']);
    t.unregister({ clusterName: 'DefaultCluster', brokerName: 'broker-a', nodeId: 'n0' }, 20);
    expect(t.topics(20)).toEqual(['A', 'C']);
    expect(t.queryRoute('B', 20)).toBeNull();
  });

  it('routes a topic over several groups and clusters, sorted by name', () => {
    const t = new RouteTable({ expireMs });
    registerGroup(t, 0, { brokerName: 'broker-b' });
    registerGroup(t, 0, { brokerName: 'broker-a' });
    t.register(reg(0, { clusterName: 'Other', brokerName: 'broker-c', topics: [topic('TopicTest'), topic('X')] }), 0);
    const route = t.queryRoute('TopicTest', 1)!;
    expect(route.groups.map((g) => [g.clusterName, g.brokerName, g.nodes.length])).toEqual([
      ['DefaultCluster', 'broker-a', 3],
      ['DefaultCluster', 'broker-b', 3],
      ['Other', 'broker-c', 1],
    ]);
    const info = t.clusterInfo(1);
    expect(info.map((c) => [c.clusterName, c.groups.map((g) => [g.brokerName, g.leaderNodeId, g.nodes.length, g.topicCount])])).toEqual([
      ['DefaultCluster', [['broker-a', 'n0', 3, 1], ['broker-b', 'n0', 3, 1]]],
      ['Other', [['broker-c', 'n0', 1, 2]]],
    ]);
  });

  it('refuses a broker id taken by another live node and a cluster name that differs', () => {
    const t = new RouteTable({ expireMs });
    registerGroup(t, 0);
    expect(() => t.register(reg(3, { brokerId: 2 }), 1)).toThrow(BrokerIdConflictError);
    expect(() => t.register(reg(3, { clusterName: 'Other' }), 1)).toThrow(ClusterMismatchError);
    // The conflict ends when the owner of the id expires.
    t.register(reg(0), expireMs);
    t.register(reg(2), expireMs);
    expect(t.register(reg(3, { brokerId: 2 }), expireMs + 1).applied).toBe(true);
  });

  it('ignores an older registration of the same incarnation; a new incarnation replaces', () => {
    const t = new RouteTable({ expireMs });
    t.register(reg(0, { incarnation: 'run-1', sequence: 5, raftTerm: 7 }), 0);
    const stale = t.register(reg(0, { incarnation: 'run-1', sequence: 4, raftTerm: 6 }), 1);
    expect(stale.applied).toBe(false);
    expect(t.queryRoute('TopicTest', 1)!.groups[0]!.nodes[0]!).toMatchObject({ raftTerm: 7, ageMs: 1 });
    expect(t.register(reg(0, { incarnation: 'run-1', sequence: 5, raftTerm: 7 }), 2).applied).toBe(true); // a retry
    expect(t.register(reg(0, { incarnation: 'run-2', sequence: 0, raftTerm: 7, role: 'FOLLOWER' }), 3).applied).toBe(true);
    // A late unregister of the old run does not remove the new one.
    expect(t.unregister({ clusterName: 'DefaultCluster', brokerName: 'broker-a', nodeId: 'n0', incarnation: 'run-1' }, 4)).toBe(false);
    expect(t.unregister({ clusterName: 'DefaultCluster', brokerName: 'broker-a', nodeId: 'n0', incarnation: 'run-2' }, 4)).toBe(true);
    expect(t.nodeCount).toBe(0);
  });

  it('refuses a clock that goes back', () => {
    const t = new RouteTable({ expireMs });
    t.register(reg(0), 100);
    expect(() => t.queryRoute('TopicTest', 99)).toThrow(/clock went back/);
  });
});
