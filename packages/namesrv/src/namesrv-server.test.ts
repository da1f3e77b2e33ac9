import { afterEach, describe, expect, it } from 'vitest';
import type { BrokerRegistration } from '@ledgermq/protocol';
import {
  BrokerIdConflictError,
  ClusterMismatchError,
  InvalidRequestError,
  NamesrvClosedError,
  NamesrvUnavailableError,
  TopicNotFoundError,
} from './errors.ts';
import { NamesrvClient } from './namesrv-client.ts';
import { NamesrvServer } from './namesrv-server.ts';
import { NamesrvPool } from './namesrv-pool.ts';
import { NamesrvRegistrar } from './registrar.ts';
import { until } from './poll.test-util.ts';

function reg(i: number, extra: Partial<BrokerRegistration> = {}): BrokerRegistration {
  return {
    clusterName: 'DefaultCluster',
    brokerName: 'broker-a',
    brokerId: i + 1,
    nodeId: `n${i}`,
    role: i === 0 ? 'LEADER' : 'FOLLOWER',
    raftTerm: 2,
    v2Endpoint: { host: '127.0.0.1', port: 18_081 + i },
    adminAddress: '',
    topics: [{ name: 'TopicTest', readQueueNums: 8, writeQueueNums: 8, perm: 6, messageTypes: ['NORMAL', 'FIFO'] }],
    incarnation: '',
    sequence: 0,
    ...extra,
  };
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function startServer(options: ConstructorParameters<typeof NamesrvServer>[0] = {}): Promise<{ server: NamesrvServer; client: NamesrvClient; address: string }> {
  const server = new NamesrvServer(options);
  const port = await server.listen('127.0.0.1', 0);
  const address = `127.0.0.1:${port}`;
  const client = new NamesrvClient(address, { timeoutMs: 2_000 });
  cleanups.push(() => server.close(), () => client.close());
  return { server, client, address };
}

describe('NamesrvServer over gRPC', () => {
  it('registers nodes and answers routes, cluster info and topic lists', async () => {
    const { client } = await startServer();
    const first = await client.register(reg(0));
    expect(first).toEqual({ expireMs: 120_000, leaderNodeId: 'n0', liveNodes: 1, applied: true });
    await client.register(reg(1));
    const route = await client.queryRoute('TopicTest');
    expect(route.topic).toBe('TopicTest');
    expect(route.groups).toHaveLength(1);
    const g = route.groups[0]!;
    expect(g.queues).toEqual({ readQueueNums: 8, writeQueueNums: 8, perm: 6, messageTypes: ['NORMAL', 'FIFO'] });
    expect(g.nodes.map((n) => [n.nodeId, n.brokerId, n.role, n.v2Endpoint])).toEqual([
      ['n0', 0, 'LEADER', { host: '127.0.0.1', port: 18_081 }],
      ['n1', 2, 'FOLLOWER', { host: '127.0.0.1', port: 18_082 }],
    ]);
    expect(typeof g.nodes[0]!.ageMs).toBe('number');
    const clusters = await client.clusterInfo();
    expect(clusters).toHaveLength(1);
    expect(clusters[0]!.clusterName).toBe('DefaultCluster');
    expect(clusters[0]!.groups[0]).toMatchObject({ brokerName: 'broker-a', leaderNodeId: 'n0', topicCount: 1 });
    expect(await client.listTopics()).toEqual(['TopicTest']);
    expect(await client.unregister({ clusterName: 'DefaultCluster', brokerName: 'broker-a', nodeId: 'n1' })).toBe(true);
    expect(await client.unregister({ clusterName: 'DefaultCluster', brokerName: 'broker-a', nodeId: 'n1' })).toBe(false);
    expect((await client.queryRoute('TopicTest')).groups[0]!.nodes.map((n) => n.nodeId)).toEqual(['n0']);
  });

  it('answers each failure with its own error class', async () => {
    const { client, server } = await startServer();
    await client.register(reg(0));
    const notFound = await client.queryRoute('Nope').catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(TopicNotFoundError);
    expect(notFound).toMatchObject({ topic: 'Nope', retriable: false });
    await expect(client.register(reg(1, { brokerId: 1 }))).rejects.toBeInstanceOf(BrokerIdConflictError);
    await expect(client.register(reg(1, { clusterName: 'Other' }))).rejects.toBeInstanceOf(ClusterMismatchError);
    // Checked on the client: never sent.
    await expect(client.register(reg(1, { v2Endpoint: { host: '0.0.0.0', port: 1 } }))).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(client.queryRoute('bad topic!')).rejects.toBeInstanceOf(InvalidRequestError);
    // Checked on the server too (a client that skips the checks).
    const raw = client as unknown as { call(method: string, req: object): Promise<unknown> };
    await expect(raw.call('RegisterBroker', { ...reg(1), brokerId: 0 })).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(raw.call('QueryRoute', { topic: '' })).rejects.toBeInstanceOf(InvalidRequestError);

    await server.close();
    const down = await client.listTopics().catch((e: unknown) => e);
    expect(down).toBeInstanceOf(NamesrvUnavailableError);
    expect(down).toMatchObject({ retriable: true });
    client.close();
    await expect(client.listTopics()).rejects.toBeInstanceOf(NamesrvClosedError);
  });

  it('drops a silent node after expireMs (small values; polled, not slept)', async () => {
    const { client } = await startServer({ expireMs: 300, scanIntervalMs: 50 });
    await client.register(reg(0));
    await client.register(reg(1));
    // Keep n1 alive, let n0 go silent.
    const keepAlive = setInterval(() => void client.register(reg(1)).catch(() => {}), 50);
    cleanups.push(() => clearInterval(keepAlive));
    const route = await until('n0 to expire', async () => {
      const r = await client.queryRoute('TopicTest');
      return r.groups[0]!.nodes.length === 1 ? r : null;
    });
    expect(route.groups[0]!.nodes.map((n) => n.nodeId)).toEqual(['n1']);
    expect(route.groups[0]!.leaderNodeId).toBe('');
  });

  it('registrar: registers with every NameServer, again on trigger, unregisters on stop', async () => {
    const a = await startServer();
    const b = await startServer();
    let role: BrokerRegistration['role'] = 'FOLLOWER';
    let term = 1;
    const registrar = new NamesrvRegistrar({
      addresses: [a.address, b.address, '127.0.0.1:1'],
      intervalMs: 60_000,
      timeoutMs: 500,
      registration: () => {
        const { incarnation: _i, sequence: _s, ...rest } = reg(0, { role, raftTerm: term });
        return rest;
      },
    });
    cleanups.push(() => registrar.stop());
    registrar.start();
    for (const s of [a, b]) {
      await until('registration', async () => (await s.client.queryRoute('TopicTest')).groups[0]!.nodes[0]!.role === 'FOLLOWER');
    }
    role = 'LEADER';
    term = 2;
    registrar.trigger();
    for (const s of [a, b]) {
      await until('role change', async () => (await s.client.queryRoute('TopicTest')).groups[0]!.leaderNodeId === 'n0');
    }
    const status = await until('status', () => {
      const st = registrar.status();
      return st[2]!.lastError !== '' && st[0]!.registered && st[1]!.registered ? st : null;
    });
    expect(status.map((s) => s.registered)).toEqual([true, true, false]);
    await registrar.stop();
    for (const s of [a, b]) await expect(s.client.queryRoute('TopicTest')).rejects.toBeInstanceOf(TopicNotFoundError);
  });

  it('pool: reads from whichever NameServer answers; missing only when all say so', async () => {
    const a = await startServer();
    const b = await startServer();
    await b.client.register(reg(0)); // only b knows the broker (a just restarted)
    const pool = new NamesrvPool(['127.0.0.1:1', a.address, b.address], { timeoutMs: 1_000 });
    cleanups.push(() => pool.close());
    for (let i = 0; i < 3; i++) expect((await pool.queryRoute('TopicTest')).groups[0]!.leaderNodeId).toBe('n0');
    await expect(pool.queryRoute('Nope')).rejects.toBeInstanceOf(TopicNotFoundError);
    await expect(pool.queryRoute('bad topic')).rejects.toBeInstanceOf(InvalidRequestError);
    await a.server.close();
    await b.server.close();
    await expect(pool.listTopics()).rejects.toBeInstanceOf(NamesrvUnavailableError);
  });
});
