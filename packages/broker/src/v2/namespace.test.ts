import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { qualifiedName, qualifyRequest, unqualifiedName, unqualifyResponse } from './namespace.ts';

describe('namespaces', () => {
  it('qualifies the topic and group resources of a request from the header or the resource, and leaves broker names alone', () => {
    const req = {
      group: { name: 'G', resource_namespace: '' },
      message_queue: { topic: { name: 'T', resource_namespace: '' }, broker: { name: 'broker-a' } },
      messages: [{ topic: { name: 'U', resource_namespace: 'other' }, body: Buffer.from('x') }],
    };
    expect(qualifyRequest(req, 'ns1')).toBe('ns1');
    expect(req.group.name).toBe('ns1%G');
    expect(req.message_queue.topic.name).toBe('ns1%T');
    expect(req.message_queue.broker.name).toBe('broker-a');
    expect(req.messages[0]!.topic.name).toBe('other%U');
    expect(req.messages[0]!.topic.resource_namespace).toBe('');
  });

  it('leaves requests without any namespace unchanged', () => {
    const req = { topic: { name: 'T', resource_namespace: '' }, topics: [{ name: 'A', resource_namespace: '' }] };
    expect(qualifyRequest(req, '')).toBe('');
    expect(req).toEqual({ topic: { name: 'T', resource_namespace: '' }, topics: [{ name: 'A', resource_namespace: '' }] });
  });

  it('keeps the system prefix of retry and dead-letter topics first', () => {
    expect(qualifiedName('ns1', '%DLQ%G')).toBe('%DLQ%ns1%G');
    expect(unqualifiedName('ns1', '%DLQ%ns1%G')).toBe('%DLQ%G');
    expect(unqualifiedName('ns1', '%DLQ%G')).toBeNull();
    expect(unqualifiedName('ns1', 'ns2%T')).toBeNull();
  });

  it('answers in the client names: a response round-trips to what the client asked for', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/), fc.stringMatching(/^%?[A-Za-z0-9_%-]{1,30}$/), (ns, name) => {
        const stored = qualifiedName(ns, name);
        const res = { message_queues: [{ topic: { name: stored, resource_namespace: '' } }] };
        unqualifyResponse(res, ns);
        return res.message_queues[0]!.topic.name === name && res.message_queues[0]!.topic.resource_namespace === ns;
      }),
    );
  });
});
