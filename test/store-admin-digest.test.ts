// The admin StateDigest RPC end to end over gRPC on loopback, with stand-ins for the node:
// it answers the state machine's digest as JSON, and FAILED_PRECONDITION when there is none
// (the plain raft-node DigestStateMachine) or when the digest fails.

import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { AdminClient, AdminServer, type RaftNode, type StateMachine } from '@ledgermq/raft-node';

const opened: { server: AdminServer; client: AdminClient }[] = [];
afterEach(async () => {
  for (const o of opened.splice(0)) {
    o.client.close();
    await o.server.close();
  }
});

async function serve(sm: Partial<StateMachine>): Promise<AdminClient> {
  // A stand-in with RaftNode's stateDigest() over the given state machine.
  const node = { stateDigest: () => sm.digest?.() ?? null } as unknown as RaftNode;
  const server = new AdminServer(node, pino({ level: 'silent' }));
  const port = await server.listen('127.0.0.1', 0);
  const client = new AdminClient(`127.0.0.1:${port}`);
  opened.push({ server, client });
  return client;
}

describe('admin StateDigest', () => {
  it('answers the state machine digest', async () => {
    const client = await serve({ digest: async () => ({ appliedIndex: 7, queues: [{ topic: 'T', files: [] }] }) });
    expect(await client.stateDigest(5_000)).toEqual({ appliedIndex: 7, queues: [{ topic: 'T', files: [] }] });
  });

  it('refuses with FAILED_PRECONDITION when the state machine has no digest or it fails', async () => {
    const none = await serve({});
    await expect(none.stateDigest(5_000)).rejects.toMatchObject({ code: 9, details: expect.stringContaining('no digest') });
    const failing = await serve({ digest: async () => { throw new Error('store closed'); } });
    await expect(failing.stateDigest(5_000)).rejects.toMatchObject({ code: 9, details: expect.stringContaining('store closed') });
  });
});
