// Helpers for the loopback gRPC tests.

import type { Message, NodeId } from '@ledgermq/raft';
import { GrpcTransport } from './grpc-transport.ts';
import type { GrpcTransportOptions } from './grpc-transport.ts';
import type { TransportLogger } from './logger.ts';

/** Polls `cond` every few milliseconds until it holds or `deadlineMs` passes (then throws). */
export async function waitFor(what: string, cond: () => boolean, deadlineMs = 10_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export interface LogRecord {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: object;
  msg: string;
}

export function recordingLogger(records: LogRecord[]): TransportLogger {
  const at = (level: LogRecord['level']) => (obj: object, msg = '') => void records.push({ level, obj, msg });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export interface Node {
  readonly id: NodeId;
  readonly transport: GrpcTransport;
  readonly received: Message[];
  readonly logs: LogRecord[];
}

export async function startNode(
  id: NodeId,
  peers: ReadonlyMap<NodeId, string>,
  extra: Partial<GrpcTransportOptions> = {},
): Promise<Node> {
  const logs: LogRecord[] = [];
  const received: Message[] = [];
  const transport = new GrpcTransport({
    selfId: id,
    groupId: 'g1',
    listen: { host: '127.0.0.1', port: 0 },
    peers,
    logger: recordingLogger(logs),
    random: () => 0.5,
    ...extra,
  });
  transport.onMessages((msgs) => {
    for (const m of msgs) received.push(m);
  });
  await transport.start();
  return { id, transport, received, logs };
}

/** Starts nodes on OS-chosen ports, then tells each the others' addresses. */
export async function startGroup(ids: readonly NodeId[]): Promise<Node[]> {
  const nodes: Node[] = [];
  for (const id of ids) nodes.push(await startNode(id, new Map()));
  const peers = new Map(nodes.map((n) => [n.id, `127.0.0.1:${n.transport.port()}`] as const));
  for (const n of nodes) n.transport.setPeers(peers);
  await waitFor('all links connected', () =>
    nodes.every((n) => Object.values(n.transport.stats()).every((s) => s.connected)),
  );
  return nodes;
}

export function msg(from: NodeId, to: NodeId, index: number, overrides: Partial<Message> = {}): Message {
  return {
    type: 4,
    from,
    to,
    term: 1,
    index,
    logTerm: 1,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    snapshot: null,
    transfer: false,
    ...overrides,
  };
}
