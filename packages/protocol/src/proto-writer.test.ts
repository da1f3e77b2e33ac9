import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileMessagePlan, UnsupportedValueError, writeMessage, type DescriptorLike } from './proto-writer.ts';
import { fastResponseMethods, lookupV2Type, messagingServiceDefinition, messagingServiceName, v2PackageDefinition } from './v2-proto.ts';

interface Method {
  responseSerialize(v: unknown): Buffer;
  responseDeserialize(b: Buffer): unknown;
  responseType: { type: DescriptorLike };
}
/** The method as proto-loader loaded it (fromObject + encode) and as the broker serves it. */
const loaded = (name: string) => (v2PackageDefinition()[messagingServiceName] as unknown as Record<string, Method>)[name]!;
const served = (name: string) => (messagingServiceDefinition() as unknown as Record<string, Method>)[name]!;

/** What a client decodes from the loader's own bytes for `value`. */
const viaLoader = (name: string, value: unknown) => loaded(name).responseDeserialize(loaded(name).responseSerialize(value));
const viaWriter = (name: string, value: unknown) => loaded(name).responseDeserialize(served(name).responseSerialize(value));

/** Random plain objects of a descriptor's type, in the shapes proto-loader's serializer takes. */
function arbitraryOf(d: DescriptorLike, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of d.field) {
    const repeated = f.label === 'LABEL_REPEATED';
    let item: fc.Arbitrary<unknown>;
    if (f.type === 'TYPE_MESSAGE') {
      const sub = lookupV2Type(f.typeName, d)!;
      if (repeated && sub.options?.mapEntry === true) {
        fields[f.name] = fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ unit: 'grapheme', maxLength: 8 }), { maxKeys: 3 });
        continue;
      }
      if (depth >= 3) continue;
      item = arbitraryOf(sub, depth + 1);
    } else {
      item = scalarArbitrary(f.type);
    }
    fields[f.name] = fc.oneof(repeated ? fc.array(item, { maxLength: 3 }) : item, fc.constant(null));
  }
  return fc.record(fields, { requiredKeys: [] });
}

function scalarArbitrary(type: string): fc.Arbitrary<unknown> {
  switch (type) {
    case 'TYPE_STRING': return fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 200 }));
    case 'TYPE_BYTES': return fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));
    case 'TYPE_INT32': return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    case 'TYPE_UINT32': return fc.integer({ min: 0, max: 2 ** 32 - 1 });
    case 'TYPE_INT64': return fc.oneof(fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n).map(String), fc.maxSafeInteger());
    case 'TYPE_UINT64': return fc.bigInt(0n, 2n ** 64n - 1n).map(String);
    case 'TYPE_BOOL': return fc.boolean();
    case 'TYPE_ENUM': return fc.integer({ min: -1, max: 12 });
    default: throw new Error(`no arbitrary for ${type}`);
  }
}

/** A delivered message the way the broker's toV2 builds it. */
function delivery(body: Buffer, extra: Record<string, unknown> = {}) {
  return {
    message: {
      topic: { resource_namespace: 'ns', name: 'BacklogTopic' },
      user_properties: { region: 'eu', 'ключ': 'значение' },
      system_properties: {
        tag: 'TagA', keys: ['k1', 'k2'], message_id: '01A2B3C4D5E6F708090000000001',
        body_digest: { type: 2, checksum: '0123456789ABCDEF0123456789ABCDEF' }, body_encoding: 1, message_type: 2,
        born_timestamp: { seconds: '1796600000', nanos: 123000000 }, born_host: '127.0.0.1',
        store_timestamp: { seconds: '1796600000', nanos: 124000000 }, store_host: '127.0.0.1:8081',
        receipt_handle: 'h1:broker-a:BacklogTopic:3:17:1796600000123:30000:1:abcdef', queue_id: 3, queue_offset: '17',
        invisible_duration: { seconds: '30', nanos: 0 }, delivery_attempt: 2, message_group: 'grüppe-1',
        delivery_timestamp: { seconds: '1796600100', nanos: 0 }, trace_context: '',
        ...extra,
      },
      body,
    },
  };
}

describe('the compiled response writer', () => {
  it.each(fastResponseMethods)('writes what the loader writes for any %s response', (name) => {
    const arb = arbitraryOf(loaded(name).responseType.type, 0);
    fc.assert(fc.property(arb, (value) => {
      expect(viaWriter(name, value)).toEqual(viaLoader(name, value));
    }), { numRuns: 300 });
  });

  it('writes a delivered message: maps, non-ASCII text, optional fields set to their defaults', () => {
    const value = delivery(Buffer.from('hello'));
    const decoded = viaWriter('ReceiveMessage', value) as { message: { user_properties: unknown; system_properties: { message_group: string; trace_context: string } } };
    expect(decoded).toEqual(viaLoader('ReceiveMessage', value));
    expect(decoded.message.user_properties).toEqual({ region: 'eu', 'ключ': 'значение' });
    expect(decoded.message.system_properties.message_group).toBe('grüppe-1');
    expect(decoded.message.system_properties.trace_context).toBe(''); // present though empty
  });

  it('writes every length of the nested length prefix (1 to 4 bytes) and negative and 64-bit integers', () => {
    for (const bytes of [0, 100, 200, 20_000, 2_200_000]) {
      const value = delivery(Buffer.alloc(bytes, 7), { queue_id: -1, queue_offset: '9223372036854775807' });
      const [mine, theirs] = [viaWriter, viaLoader].map((via) => via('ReceiveMessage', value) as { message: { body: Buffer | number } });
      // Bodies compared as bytes: a deep comparison of megabytes is slow.
      expect(Buffer.compare(mine!.message.body as Buffer, theirs!.message.body as Buffer)).toBe(0);
      mine!.message.body = theirs!.message.body = bytes;
      expect(mine).toEqual(theirs);
    }
    const pull = { message: delivery(Buffer.from('x')).message, next_offset: '-5' };
    expect(viaWriter('PullMessage', pull)).toEqual(viaLoader('PullMessage', pull));
  });

  it('leaves earlier results intact when later messages fill the slab and move to a new one', () => {
    const sizes = Array.from({ length: 60 }, (_, i) => 700 + ((i * 7919) % 9000));
    const out = sizes.map((n, i) => ({ value: delivery(Buffer.alloc(n, i)), bytes: served('ReceiveMessage').responseSerialize(delivery(Buffer.alloc(n, i))) }));
    for (const { value, bytes } of out) expect(loaded('ReceiveMessage').responseDeserialize(bytes)).toEqual(viaLoader('ReceiveMessage', value));
  });

  it('hands values it does not take to the loader, which answers as it always did', () => {
    // An enum by name and an int64 as a Long-like object: the loader converts them.
    const byName = delivery(Buffer.from('x'), { body_digest: { type: 'MD5', checksum: 'AB' } });
    expect(() => writeMessage(plan('ReceiveMessage'), byName)).toThrow(UnsupportedValueError);
    expect(served('ReceiveMessage').responseSerialize(byName)).toEqual(loaded('ReceiveMessage').responseSerialize(byName));
    // A value the loader refuses too: the served serializer throws as the loader does.
    const broken = { message: { topic: 'not an object' } };
    expect(() => loaded('ReceiveMessage').responseSerialize(broken)).toThrow();
    expect(() => served('ReceiveMessage').responseSerialize(broken)).toThrow();
  });

  it('refuses field types it cannot encode when compiling', () => {
    const withDouble: DescriptorLike = { name: 'D', field: [{ name: 'x', number: 1, label: 'LABEL_OPTIONAL', type: 'TYPE_DOUBLE', typeName: '' }] };
    expect(() => compileMessagePlan(withDouble, () => undefined)).toThrow(/TYPE_DOUBLE is not supported/);
  });
});

function plan(name: string) {
  return compileMessagePlan(loaded(name).responseType.type, lookupV2Type);
}
