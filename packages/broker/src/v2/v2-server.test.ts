// V2Server.dispatch on a follower: what it does when the leader it forwards to is gone.
// The forwarding channel is replaced by a recorder here; the real path (kill -9 of the
// leader under load) is covered by the black-box failover tests in test/.

import http2 from 'node:http2';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { Code } from '@ledgermq/protocol';
import { v2StreamsPerConnectionMax } from '../constants.ts';
import { ForwardFailedError } from '../errors.ts';
import type { ForwardClient } from '../forward/forward-client.ts';
import type { CallContext } from './call-context.ts';
import { V2Server } from './v2-server.ts';

const ctx: CallContext = { clientId: 'c1', namespace: '', headers: {}, forwardedFrom: null, cancelled: new Promise(() => {}) };
const oneMessage = { messages: [{ topic: { name: 'T', resource_namespace: '' }, body: Buffer.from('x'), system_properties: { message_id: 'm1' } }] };
const unavailable = Object.assign(new Error('14 UNAVAILABLE: connection refused'), { code: 14 });

function follower(leaders: (string | null)[], fail: Set<string>) {
  const calls: string[] = [];
  let i = 0;
  const locator = { leaderTarget: () => leaders[Math.min(i++, leaders.length - 1)]! };
  const forward = {
    call: async (target: string, method: string) => {
      calls.push(target);
      if (fail.has(target)) throw new ForwardFailedError(method, target, unavailable);
      return { status: { code: Code.OK, message: `served by ${target}` }, entries: [{ status: { code: Code.OK, message: `served by ${target}` }, message_id: 'm1' }] };
    },
  } as unknown as ForwardClient;
  const server = new V2Server({ SendMessage: async () => ({ status: { code: Code.OK, message: 'served here' } }) }, () => {}, locator, forward, pino({ level: 'silent' }));
  return { server, calls };
}

/** A forwarding channel whose every call succeeds, naming the target that served it. */
function recordingForward() {
  const calls: string[] = [];
  const forward = {
    call: async (target: string) => (calls.push(target), { status: { code: Code.OK, message: `served by ${target}` }, entries: [] }),
  } as unknown as ForwardClient;
  return { forward, calls };
}

describe('V2Server forwarding when the leader dies', () => {
  it('waits for the next leader and forwards once more, instead of failing the call at once', async () => {
    const { server, calls } = follower(['old:1', 'old:1', null, null, 'new:2'], new Set(['old:1']));
    const res = (await server.dispatch('SendMessage', oneMessage, ctx)) as { status: { code: number; message: string } };
    expect(res.status).toEqual({ code: Code.OK, message: 'served by new:2' });
    expect(calls).toEqual(['old:1', 'new:2']);
  });

  it('serves the call itself when this node became the leader', async () => {
    const { server, calls } = follower(['old:1', 'self'], new Set(['old:1']));
    const res = (await server.dispatch('SendMessage', oneMessage, ctx)) as { status: { message: string } };
    expect(res.status.message).toBe('served here');
    expect(calls).toEqual(['old:1']);
  });

  it('answers HA_NOT_AVAILABLE (retriable) when no other leader shows up in time', async () => {
    const { server, calls } = follower(['old:1'], new Set(['old:1']));
    const res = (await server.dispatch('SendMessage', oneMessage, ctx)) as { status: { code: number } };
    expect(res.status.code).toBe(Code.HA_NOT_AVAILABLE);
    expect(calls).toEqual(['old:1']);
  });

  it('a node cut off from the group answers HA_NOT_AVAILABLE at once instead of waiting for a leader', async () => {
    let polls = 0;
    let cutOffAsked = 0;
    const locator = { leaderTarget: () => (polls++, null), cutOff: () => (cutOffAsked++, true) };
    const server = new V2Server({ SendMessage: async () => ({}) }, () => {}, locator, {} as ForwardClient, pino({ level: 'silent' }));
    const res = (await server.dispatch('SendMessage', oneMessage, ctx)) as { status: { code: number } };
    expect(res.status.code).toBe(Code.HA_NOT_AVAILABLE);
    // One look at the leader and at the cut-off, not leaderWaitMs / 20 ms = 150 polls.
    expect({ polls, cutOffAsked }).toEqual({ polls: 1, cutOffAsked: 1 });
  });

  it('a node removed from the group relays a client call through a member, never a forwarded one', async () => {
    const { forward, calls } = recordingForward();
    const locator = { leaderTarget: () => null, cutOff: () => true, relayTarget: () => 'member:1' };
    const server = new V2Server({ SendMessage: async () => ({}) }, () => {}, locator, forward, pino({ level: 'silent' }));
    const res = (await server.dispatch('SendMessage', oneMessage, ctx)) as { status: { message: string } };
    expect(res.status.message).toBe('served by member:1');
    const forwarded = (await server.dispatch('SendMessage', oneMessage, { ...ctx, forwardedFrom: 'n1' })) as { status: { code: number } };
    expect(forwarded.status.code).toBe(Code.HA_NOT_AVAILABLE);
    expect(calls).toEqual(['member:1']);
  });

  it('a member forwards once more a call relayed by a node outside the group, not one forwarded by a member', async () => {
    const { forward, calls } = recordingForward();
    const locator = { leaderTarget: () => 'L:1', isMember: (id: string) => id !== 'n9' };
    const server = new V2Server({ SendMessage: async () => ({}) }, () => {}, locator, forward, pino({ level: 'silent' }));
    const relayed = (await server.dispatch('SendMessage', oneMessage, { ...ctx, forwardedFrom: 'n9' })) as { status: { message: string } };
    expect(relayed.status.message).toBe('served by L:1');
    const fromMember = (await server.dispatch('SendMessage', oneMessage, { ...ctx, forwardedFrom: 'n1' })) as { status: { code: number } };
    expect(fromMember.status.code).toBe(Code.HA_NOT_AVAILABLE);
    expect(calls).toEqual(['L:1']);
  });

  it('does not retry a failure that is not "unreachable" (the leader answered)', async () => {
    const calls: string[] = [];
    const forward = {
      call: async (target: string, method: string) => {
        calls.push(target);
        throw new ForwardFailedError(method, target, Object.assign(new Error('4 DEADLINE_EXCEEDED'), { code: 4 }));
      },
    } as unknown as ForwardClient;
    const server = new V2Server({ SendMessage: async () => ({}) }, () => {}, { leaderTarget: () => 'a:1' }, forward, pino({ level: 'silent' }));
    const res = (await server.dispatch('SendMessage', oneMessage, ctx)) as { status: { code: number } };
    expect(res.status.code).toBe(Code.HA_NOT_AVAILABLE);
    expect(calls).toEqual(['a:1']);
  });

  it('forwards a request the coalescer cannot merge (no messages) unchanged, for the leader to refuse', async () => {
    const { server, calls } = follower(['L:1'], new Set());
    const res = (await server.dispatch('SendMessage', { messages: [] }, ctx)) as { status: { message: string } };
    expect(calls).toEqual(['L:1']);
    expect(res.status.message).toBe('served by L:1');
  });
});

/** Node's HTTP/2 default, per stream and per connection. */
const nodeDefaultWindowBytes = 65_535;

describe('V2Server endpoint', () => {
  it("keeps Node's 64 KiB receive windows for clients: what one client can queue in the leader's socket stays small", async () => {
    const server = new V2Server({}, () => {}, { leaderTarget: () => 'self' }, {} as ForwardClient, pino({ level: 'silent' }));
    const port = await server.listen('127.0.0.1', 0);
    const session = http2.connect(`http://127.0.0.1:${port}`);
    try {
      await new Promise<void>((resolve, reject) => session.once('remoteSettings', () => resolve()).once('error', reject));
      // The PING's answer follows any WINDOW_UPDATE the server queued when the connection opened.
      await new Promise<void>((resolve, reject) => session.ping((err) => (err ? reject(err) : resolve())));
      expect([session.remoteSettings.initialWindowSize, session.state.remoteWindowSize]).toEqual([nodeDefaultWindowBytes, nodeDefaultWindowBytes]);
    } finally {
      session.destroy();
      await server.close();
    }
  });

  it('lets a connection open at most v2StreamsPerConnectionMax calls; its client queues the rest, which are served later', async () => {
    let open = 0;
    let openMax = 0;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let allOpen!: () => void;
    const reachedCap = new Promise<void>((resolve) => (allOpen = resolve));
    const handlers = {
      SendMessage: async () => {
        open += 1;
        openMax = Math.max(openMax, open);
        if (open === v2StreamsPerConnectionMax) allOpen();
        await released;
        open -= 1;
        return {};
      },
    };
    const server = new V2Server(handlers, () => {}, { leaderTarget: () => 'self' }, {} as ForwardClient, pino({ level: 'silent' }));
    const port = await server.listen('127.0.0.1', 0);
    const session = http2.connect(`http://127.0.0.1:${port}`);
    try {
      await new Promise<void>((resolve, reject) => session.once('remoteSettings', () => resolve()).once('error', reject));
      expect(session.remoteSettings.maxConcurrentStreams).toBe(v2StreamsPerConnectionMax);
      const calls = v2StreamsPerConnectionMax + 8;
      const statuses = Array.from({ length: calls }, () => {
        const req = session.request({ ':method': 'POST', ':path': '/apache.rocketmq.v2.MessagingService/SendMessage', 'content-type': 'application/grpc', te: 'trailers' });
        req.end(Buffer.alloc(5)); // one empty gRPC message: an empty SendMessageRequest
        req.resume();
        return new Promise<string | undefined>((resolve, reject) => {
          req.once('trailers', (t) => resolve(String(t['grpc-status'])));
          req.once('error', reject);
        });
      });
      await reachedCap;
      // The PING's answer follows every frame the client sent before it: no further call came.
      await new Promise<void>((resolve, reject) => session.ping((err) => (err ? reject(err) : resolve())));
      expect(open).toBe(v2StreamsPerConnectionMax);
      release();
      expect(await Promise.all(statuses)).toEqual(Array.from({ length: calls }, () => '0'));
      expect(openMax).toBe(v2StreamsPerConnectionMax);
    } finally {
      session.destroy();
      await server.close();
    }
  });
});
