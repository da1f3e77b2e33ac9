import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, MalformedError } from './errors.ts';
import { decodeOffsetMessageId, encodeOffsetMessageId } from './message-id.ts';

describe('offset message id', () => {
  it('is 32 hex characters: IPv4, port, physical offset', () => {
    expect(encodeOffsetMessageId('10.0.0.1:10911', 255)).toBe('0A00000100002A9F00000000000000FF');
    expect(decodeOffsetMessageId('0A00000100002A9F00000000000000FF')).toEqual({ host: '10.0.0.1', port: 10911, physicalOffset: 255 });
  });

  it('round-trips (property)', () => {
    const octet = fc.integer({ min: 0, max: 255 });
    fc.assert(fc.property(fc.tuple(octet, octet, octet, octet), fc.integer({ min: 0, max: 65535 }), fc.maxSafeNat(), (ip, port, pos) => {
      const host = ip.join('.');
      expect(decodeOffsetMessageId(encodeOffsetMessageId(`${host}:${port}`, pos))).toEqual({ host, port, physicalOffset: pos });
    }));
  });

  it('rejects bad input', () => {
    expect(() => encodeOffsetMessageId('[::1]:10911', 0)).toThrow(InvalidArgumentError);
    expect(() => encodeOffsetMessageId('300.0.0.1:1', 0)).toThrow(InvalidArgumentError);
    expect(() => decodeOffsetMessageId('xyz')).toThrow(MalformedError);
    expect(() => decodeOffsetMessageId('0A00000100002A9FFFFFFFFFFFFFFFFF')).toThrow(MalformedError);
  });
});
