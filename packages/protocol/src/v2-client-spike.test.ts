// Spike: a tiny test-only v2 server stub (two "nodes" of one broker group) answering
// QueryRoute, Telemetry settings, Heartbeat, SendMessage and NotifyClientTermination, to prove
// that the real rocketmq-client-nodejs Producer starts, sends and shuts down against the
// definition loaded by v2-proto.ts and the routes built by route-to-v2.ts. It is not the broker.

import * as grpc from '@grpc/grpc-js';
import { Producer, SimpleConsumer } from 'rocketmq-client-nodejs';
import { afterEach, describe, expect, it } from 'vitest';
import type { TopicRoute } from './namesrv-types.ts';
import { routeToV2MessageQueues } from './route-to-v2.ts';
import { Code, FilterType, MessageType } from './v2-codes.ts';
import { headerValue, messagingServiceDefinition, v2Headers, v2ServerChannelOptions } from './v2-proto.ts';
import { durationToMs, msToDuration } from './v2-time.ts';
import type * as v2 from './v2-types.ts';

const ok: v2.Status = { code: Code.OK, message: 'OK' };

interface StubNode {
  readonly name: string;
  readonly server: grpc.Server;
  port: number;
  readonly calls: string[];
  readonly sent: v2.Message[];
  readonly headers: Array<Record<string, string>>;
  readonly receives: v2.ReceiveMessageRequest[];
}

function stubNode(name: string, route: () => TopicRoute): StubNode {
  const node: StubNode = { name, server: new grpc.Server(v2ServerChannelOptions), port: 0, calls: [], sent: [], headers: [], receives: [] };
  const record = (rpc: string, md: grpc.Metadata) => {
    node.calls.push(rpc);
    node.headers.push({
      protocol: headerValue(md, v2Headers.protocol),
      clientId: headerValue(md, v2Headers.clientId),
      requestId: headerValue(md, v2Headers.requestId),
    });
  };
  node.server.addService(messagingServiceDefinition(), {
    QueryRoute: (call: grpc.ServerUnaryCall<v2.QueryRouteRequest, v2.QueryRouteResponse>, cb: grpc.sendUnaryData<v2.QueryRouteResponse>) => {
      record('QueryRoute', call.metadata);
      const r = route();
      if (call.request.topic?.name !== r.topic) {
        cb(null, { status: { code: Code.TOPIC_NOT_FOUND, message: 'no such topic' }, message_queues: [] });
        return;
      }
      cb(null, { status: ok, message_queues: routeToV2MessageQueues(r, { namespace: call.request.topic.resource_namespace }) });
    },
    Heartbeat: (call: grpc.ServerUnaryCall<v2.HeartbeatRequest, v2.StatusOnlyResponse>, cb: grpc.sendUnaryData<v2.StatusOnlyResponse>) => {
      record('Heartbeat', call.metadata);
      cb(null, { status: ok });
    },
    NotifyClientTermination: (call: grpc.ServerUnaryCall<unknown, v2.StatusOnlyResponse>, cb: grpc.sendUnaryData<v2.StatusOnlyResponse>) => {
      record('NotifyClientTermination', call.metadata);
      cb(null, { status: ok });
    },
    SendMessage: (call: grpc.ServerUnaryCall<v2.SendMessageRequest, v2.SendMessageResponse>, cb: grpc.sendUnaryData<v2.SendMessageResponse>) => {
      record('SendMessage', call.metadata);
      node.sent.push(...call.request.messages);
      cb(null, {
        status: ok,
        entries: call.request.messages.map((m, i) => ({
          status: ok,
          message_id: m.system_properties?.message_id ?? '',
          transaction_id: '',
          offset: String(node.sent.length - call.request.messages.length + i),
        })),
      });
    },
    ReceiveMessage: (call: grpc.ServerWritableStream<v2.ReceiveMessageRequest, v2.ReceiveMessageResponse>) => {
      record('ReceiveMessage', call.metadata);
      node.receives.push(call.request);
      // Nothing to deliver (a real broker would long-poll first): the client reads an empty batch.
      call.write({ status: { code: Code.MESSAGE_NOT_FOUND, message: 'no new message' } });
      call.end();
    },
    Telemetry: (call: grpc.ServerDuplexStream<v2.TelemetryCommand, v2.TelemetryCommand>) => {
      record('Telemetry', call.metadata);
      call.on('data', (cmd: v2.TelemetryCommand) => {
        if (cmd.command !== 'settings' || !cmd.settings) return;
        // Echo the client's settings with what the client requires added (PROTOCOL-V2-NOTES.md).
        const settings: v2.Settings = {
          ...cmd.settings,
          backoff_policy: { max_attempts: 3, exponential_backoff: { initial: msToDuration(10), max: msToDuration(1_000), multiplier: 2 } },
        };
        if (cmd.settings.publishing) settings.publishing = { ...cmd.settings.publishing, max_body_size: 4 * 1024 * 1024, validate_message_type: true };
        call.write({ status: ok, settings });
      });
      call.on('end', () => call.end());
      call.on('error', () => {});
    },
  });
  return node;
}

const servers: grpc.Server[] = [];
afterEach(async () => {
  // Graceful: a forced shutdown cancels the client's released Telemetry streams, which have
  // no error listener left and would crash the client process with an uncaught CANCELLED.
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.tryShutdown(() => resolve()))));
});

type ClientLogger = { info(...a: unknown[]): void; warn(...a: unknown[]): void; error(...a: unknown[]): void; debug(): void };

async function startGroup(): Promise<{ nodes: StubNode[]; logger: ClientLogger; clientLog: string[] }> {
  let route: TopicRoute | null = null;
  const nodes = [stubNode('n0', () => route!), stubNode('n1', () => route!)];
  for (const n of nodes) {
    servers.push(n.server);
    n.port = await new Promise<number>((resolve, reject) =>
      n.server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
  }
  route = {
    topic: 'TopicTest',
    groups: [
      {
        clusterName: 'DefaultCluster',
        brokerName: 'broker-a',
        leaderNodeId: 'n0',
        queues: { readQueueNums: 8, writeQueueNums: 8, perm: 6, messageTypes: ['NORMAL'] },
        nodes: nodes.map((n, i) => ({
          nodeId: n.name,
          brokerId: i,
          role: i === 0 ? ('LEADER' as const) : ('FOLLOWER' as const),
          raftTerm: 1,
          v2Endpoint: { host: '127.0.0.1', port: n.port },
          adminAddress: '',
          ageMs: 0,
        })),
      },
    ],
  };
  const clientLog: string[] = [];
  const logger = {
    info: (...a: unknown[]) => clientLog.push(`INFO ${a.map(String).join(' ')}`),
    warn: (...a: unknown[]) => clientLog.push(`WARN ${a.map(String).join(' ')}`),
    error: (...a: unknown[]) => clientLog.push(`ERROR ${a.map(String).join(' ')}`),
    debug: () => {},
  };
  return { nodes, logger, clientLog };
}

async function withinMs<T>(what: Promise<T>, ms: number, log: string[]): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      what,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms; client log:\n${log.join('\n')}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

describe('rocketmq-client-nodejs against a v2 stub', () => {
  it('Producer starts up, sends and shuts down over the loaded definition and routes', async () => {
    const { nodes, logger, clientLog } = await startGroup();
    const producer = new Producer({ endpoints: `127.0.0.1:${nodes[0]!.port}`, namespace: '', topics: ['TopicTest'], logger });
    await withinMs(producer.startup(), 15_000, clientLog);

    // It learnt both nodes from the route and opened a settings stream to each.
    for (const n of nodes) expect(n.calls).toContain('Telemetry');
    expect(nodes[0]!.calls).toContain('QueryRoute');
    expect(nodes[0]!.headers[0]).toMatchObject({ protocol: 'v2' });
    expect(nodes[0]!.headers[0]!.clientId).not.toBe('');

    const receipts = [];
    for (let i = 0; i < 4; i++) {
      receipts.push(await producer.send({ topic: 'TopicTest', tag: 'spike', keys: [`k${i}`], body: Buffer.from(`hello ${i}`) }));
    }
    const sent = nodes.flatMap((n) => n.sent);
    expect(sent).toHaveLength(4);
    expect(receipts.map((r) => r.messageId).sort()).toEqual(sent.map((m) => m.system_properties!.message_id).sort());
    expect(sent[0]!.system_properties).toMatchObject({ tag: 'spike', message_type: MessageType.NORMAL, queue_id: 0 });
    expect(sent.map((m) => m.body.toString()).sort()).toEqual(['hello 0', 'hello 1', 'hello 2', 'hello 3']);
    // The client spreads sends over the entries of both nodes (round robin over the route).
    for (const n of nodes) expect(n.sent.length).toBeGreaterThan(0);

    await producer.shutdown();
    expect(nodes.flatMap((n) => n.calls)).toContain('NotifyClientTermination');
    expect(clientLog.filter((l) => l.startsWith('ERROR'))).toEqual([]);
  });

  it('SimpleConsumer starts up and reads MESSAGE_NOT_FOUND as an empty batch, from queue 0', async () => {
    const { nodes, logger, clientLog } = await startGroup();
    const consumer = new SimpleConsumer({
      endpoints: `127.0.0.1:${nodes[0]!.port}`,
      namespace: '',
      consumerGroup: 'spike-group',
      subscriptions: new Map([['TopicTest', 'a||b']]),
      logger,
    });
    await withinMs(consumer.startup(), 15_000, clientLog);
    expect(await withinMs(consumer.receive(16, 20_000), 15_000, clientLog)).toEqual([]);
    const req = nodes.flatMap((n) => n.receives)[0]!;
    expect(req).toMatchObject({ group: { name: 'spike-group' }, batch_size: 16, filter_expression: { type: FilterType.TAG, expression: 'a||b' } });
    expect(req.message_queue).toMatchObject({ id: 0, topic: { name: 'TopicTest' } });
    expect(durationToMs(req.invisible_duration, -1)).toBe(20_000);
    await consumer.shutdown();
    expect(clientLog.filter((l) => l.startsWith('ERROR'))).toEqual([]);
  });
});
