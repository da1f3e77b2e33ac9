import { describe, expect, it } from 'vitest';
import { Code, messagingServiceDefinition, type v2 } from '@ledgermq/protocol';
import { ackSpec, CallCoalescer } from './call-coalescer.ts';
import { rawSendSpec as sendSpec, sendRecords } from './raw-send.ts';

const nsHeader = 'x-mq-namespace';
const msg = (id: string) => ({ topic: { name: 'T', resource_namespace: '' }, body: Buffer.from(id), system_properties: { message_id: id } }) as unknown as v2.Message;
const codec = messagingServiceDefinition().SendMessage!;
/** A SendMessageRequest as the client's bytes (a follower forwards them undecoded). */
const req = (...ids: string[]): Buffer => codec.requestSerialize({ messages: ids.map(msg) });
const decode = (b: Buffer) => codec.requestDeserialize(b) as v2.SendMessageRequest;
const ok = (id: string) => ({ status: { code: Code.OK, message: 'OK' }, message_id: id, transaction_id: '', offset: '0' });

function recorder(answer: (ids: string[]) => v2.SendMessageResponse = (ids) => ({ status: { code: Code.OK, message: 'OK' }, entries: ids.map(ok) }) as v2.SendMessageResponse) {
  const forwards: { target: string; ids: string[]; ns: string }[] = [];
  const c = new CallCoalescer(sendSpec, async (target, r, headers) => {
    // The merged bytes decode as one request holding every caller's messages, in order.
    const ids = (decode(r).messages ?? []).map((m) => m.system_properties!.message_id);
    forwards.push({ target, ids, ns: headers[nsHeader] ?? '' });
    return answer(ids);
  }, nsHeader);
  return { c, forwards };
}

describe('CallCoalescer', () => {
  it('forwards the sends of one turn as one call and gives each caller its own entries', async () => {
    const { c, forwards } = recorder();
    const [a, b] = await Promise.all([c.send('L', req('a1', 'a2'), {}), c.send('L', req('b1'), {})]);
    expect(forwards).toEqual([{ target: 'L', ids: ['a1', 'a2', 'b1'], ns: '' }]);
    expect(a.entries.map((e) => e.message_id)).toEqual(['a1', 'a2']);
    expect(b.entries.map((e) => e.message_id)).toEqual(['b1']);
    expect(a.status.code).toBe(Code.OK);
  });

  it('keeps namespaces and leaders apart', async () => {
    const { c, forwards } = recorder();
    await Promise.all([c.send('L', req('a'), { [nsHeader]: 'ns1' }), c.send('L', req('b'), { [nsHeader]: 'ns2' }), c.send('M', req('c'), {})]);
    expect(forwards.map((f) => [f.target, f.ns, f.ids])).toEqual([['L', 'ns1', ['a']], ['L', 'ns2', ['b']], ['M', '', ['c']]]);
  });

  it("a caller's status is its first failed entry's, not another caller's", async () => {
    const { c } = recorder((ids) => ({
      status: { code: Code.OK, message: 'OK' },
      entries: ids.map((id) => (id === 'b1' ? { ...ok(id), status: { code: Code.PAYLOAD_TOO_LARGE, message: 'too big' } } : ok(id))),
    }) as v2.SendMessageResponse);
    const [a, b] = await Promise.all([c.send('L', req('a1'), {}), c.send('L', req('b1', 'b2'), {})]);
    expect(a.status.code).toBe(Code.OK);
    expect(b.status.code).toBe(Code.PAYLOAD_TOO_LARGE);
  });

  it('a whole-call failure reaches every caller: an error status without entries, or a thrown error', async () => {
    const { c } = recorder(() => ({ status: { code: Code.HA_NOT_AVAILABLE, message: 'no leader' }, entries: [] }) as unknown as v2.SendMessageResponse);
    const all = await Promise.all([c.send('L', req('a'), {}), c.send('L', req('b'), {})]);
    expect(all.map((r) => r.status.code)).toEqual([Code.HA_NOT_AVAILABLE, Code.HA_NOT_AVAILABLE]);
    const failing = new CallCoalescer(sendSpec, async () => {
      throw new Error('connection reset');
    }, nsHeader);
    const settled = await Promise.allSettled([failing.send('L', req('a'), {}), failing.send('L', req('b'), {})]);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
  });

  it('reads the message records of raw requests, refuses broken framing, and leaves other fields to a decode', () => {
    expect(sendRecords(req('a', 'b', 'c'))).toHaveLength(3);
    expect(sendRecords(Buffer.alloc(0))).toEqual([]);
    const whole = req('a');
    expect(() => sendRecords(whole.subarray(0, whole.length - 1))).toThrow(/runs past the end/);
    expect(() => sendRecords(Buffer.from([0x0a, 0xff]))).toThrow(/broken length prefix/);
    expect(sendRecords(Buffer.from([0x10, 0x01]))).toBeNull(); // field 2: not a plain messages-only request
    expect(sendSpec.items(Buffer.concat([req('a'), req('b')])).length).toBe(2);
  });

  it('merges acks of one group and topic only, and splits the per-entry statuses back', async () => {
    const forwards: { group: string; handles: string[] }[] = [];
    const acks = new CallCoalescer(ackSpec, async (_t, r) => {
      forwards.push({ group: r.group!.name, handles: r.entries.map((e) => e.receipt_handle) });
      return { status: { code: Code.OK, message: 'OK' }, entries: r.entries.map((e) => ({ ...e, status: e.receipt_handle === 'stale' ? { code: Code.INVALID_RECEIPT_HANDLE, message: 'stale' } : { code: Code.OK, message: 'OK' } })) };
    }, nsHeader);
    const ack = (group: string, ...handles: string[]) => ({ group: { name: group, resource_namespace: '' }, topic: { name: 'T', resource_namespace: '' }, entries: handles.map((h) => ({ message_id: h, receipt_handle: h })) });
    const [a, b, c] = await Promise.all([acks.send('L', ack('G', 'h1'), {}), acks.send('L', ack('G', 'stale', 'h2'), {}), acks.send('L', ack('H', 'h3'), {})]);
    expect(forwards).toEqual([{ group: 'G', handles: ['h1', 'stale', 'h2'] }, { group: 'H', handles: ['h3'] }]);
    expect(a.status.code).toBe(Code.OK);
    expect(b.status.code).toBe(Code.INVALID_RECEIPT_HANDLE);
    expect(b.entries.map((e) => e.receipt_handle)).toEqual(['stale', 'h2']);
    expect(c.entries.map((e) => e.receipt_handle)).toEqual(['h3']);
    expect(acks.accepts(ack('G'))).toBe(false); // no entries: forwarded as it is, for the leader to refuse
  });
});
