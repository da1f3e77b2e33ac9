// The connected-clients table: what settings and heartbeats say, expiry, and its bound.

import { describe, expect, it } from 'vitest';
import type { v2 } from '@ledgermq/protocol';
import { ClientRegistry, clientHeadersOf } from './client-registry.ts';

const res = (name: string): v2.Resource => ({ name, resource_namespace: '' });

const headers = clientHeadersOf({ 'x-mq-client-version': '5.0.1', 'x-mq-language': 'HTTP' });

function consumerSettings(group: string): v2.Settings {
  return {
    client_type: 3,
    subscription: { group: res(group), subscriptions: [{ topic: res('T'), expression: { type: 1, expression: 'a||b' } }, { topic: res('S'), expression: { type: 2, expression: 'x > 1' } }] },
    user_agent: { language: 8, version: '1.2.3', platform: 'linux', hostname: 'box' },
  };
}

describe('ClientRegistry', () => {
  it('describes a consumer from its settings and a producer from its topics', () => {
    let now = 1_000;
    const r = new ClientRegistry({ nowMs: () => now });
    r.settings('c1', consumerSettings('G'), '127.0.0.1:5000', headers);
    now += 10;
    r.settings('p1', { client_type: 1, publishing: { topics: [res('T')], max_body_size: 0, validate_message_type: true } }, '127.0.0.1:5001', headers);
    const [c] = r.consumersOf('G');
    expect(c).toMatchObject({
      clientId: 'c1', clientType: 'SIMPLE_CONSUMER', group: 'G', address: '127.0.0.1:5000', language: 'NODE_JS', version: '1.2.3', hostname: 'box', connected: true,
      subscriptions: [{ topic: 'T', expression: 'a||b', expressionType: 'TAG' }, { topic: 'S', expression: 'x > 1', expressionType: 'SQL' }],
    });
    const [p] = r.producersOf('T');
    expect(p).toMatchObject({ clientId: 'p1', clientType: 'PRODUCER', group: '', topics: ['T'], language: 'HTTP', version: '5.0.1' });
    expect(r.producersOf('Other')).toEqual([]);
    expect(r.producersOf('')).toHaveLength(1);
    expect(r.consumersOf('T')).toEqual([]);
  });

  it('keeps a client alive on heartbeats, forgets it after silence or termination', () => {
    let now = 0;
    const r = new ClientRegistry({ nowMs: () => now, expireAfterMs: 1_000 });
    r.settings('c1', consumerSettings('G'), 'a:1', headers);
    r.heartbeat('c2', { group: res('G'), client_type: 2 }, headers);
    r.disconnected('c1');
    expect(r.consumersOf('G').map((c) => [c.clientId, c.connected, c.clientType])).toEqual([['c1', false, 'SIMPLE_CONSUMER'], ['c2', false, 'PUSH_CONSUMER']]);
    now = 900;
    r.heartbeat('c1', { group: res('G') }, headers);
    now = 1_500;
    expect(r.consumersOf('G').map((c) => c.clientId)).toEqual(['c1']);
    r.terminated('c1');
    expect(r.size).toBe(0);
    r.heartbeat('', { group: res('G') }, headers);
    expect(r.size).toBe(0);
  });

  it('is bounded: a new client replaces the longest-silent one', () => {
    let now = 0;
    const r = new ClientRegistry({ nowMs: () => now, capacity: 2 });
    r.heartbeat('a', {}, headers);
    now = 1;
    r.heartbeat('b', {}, headers);
    now = 2;
    r.heartbeat('a', {}, headers);
    now = 3;
    r.heartbeat('c', {}, headers);
    expect(r.list().map((c) => c.clientId).sort()).toEqual(['a', 'c']);
    expect(r.evicted).toBe(1);
  });
});
