// ForwardClient against real gRPC servers on loopback: a leader that froze holds forwarded calls
// without answering; once the leader is known to be elsewhere, abandonExcept fails those calls
// at once as "leader unreachable" (the caller forwards them again), and leaves calls to the
// current leader alone.

import { Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForwardFailedError } from '../errors.ts';
import { ForwardClient } from './forward-client.ts';
import { forwardServiceDefinition, type ForwardReply, type ForwardRequest } from './forward-proto.ts';

/** A BrokerForward server that never answers a Call (a paused or partitioned leader). */
async function frozenLeader(): Promise<{ address: string; held: () => number; close: () => void }> {
  const server = new Server();
  let held = 0;
  server.addService(forwardServiceDefinition(), {
    Call: (_call: ServerUnaryCall<ForwardRequest, ForwardReply>, _cb: sendUnaryData<ForwardReply>) => {
      held += 1; // never answered
    },
    Stream: () => {},
    PushCheck: () => {},
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return { address: `127.0.0.1:${port}`, held: () => held, close: () => server.forceShutdown() };
}

describe('ForwardClient.abandonExcept', () => {
  let leader: Awaited<ReturnType<typeof frozenLeader>>;
  const client = new ForwardClient('n1', 'broker-a');

  beforeAll(async () => {
    leader = await frozenLeader();
  });
  afterAll(() => {
    client.close();
    leader.close();
  });

  const heartbeat = () => client.call(leader.address, 'Heartbeat', { group: null, client_type: 0 }, {});
  const arrived = async (n: number) => {
    for (let i = 0; i < 200 && leader.held() < n; i++) await new Promise((r) => setTimeout(r, 10));
    expect(leader.held()).toBeGreaterThanOrEqual(n);
  };

  it('leaves calls to the current leader waiting', async () => {
    const pending = heartbeat();
    let settled = false;
    void pending.then(() => (settled = true), () => (settled = true));
    await arrived(1);
    expect(client.abandonExcept(leader.address)).toBe(0);
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    // Clean up: the leader moves, the call goes.
    expect(client.abandonExcept('127.0.0.1:1')).toBe(1);
    await expect(pending).rejects.toBeInstanceOf(ForwardFailedError);
  });

  it('fails calls waiting on a former leader as "leader unreachable", each once', async () => {
    const before = leader.held();
    const calls = [heartbeat(), heartbeat()];
    await arrived(before + 2);
    expect(client.abandonExcept(null)).toBe(2);
    expect(client.abandonExcept(null)).toBe(0);
    for (const c of calls) {
      const err = await c.then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(ForwardFailedError);
      expect((err as ForwardFailedError).leaderUnreachable).toBe(true);
      expect((err as Error).message).toContain('abandoned, the leader moved');
    }
  });
});
