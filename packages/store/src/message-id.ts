// The broker's offset message id, RocketMQ style: 32 hex characters = store host IPv4 (4 bytes)
// + port (4 bytes) + physical offset (8 bytes), big-endian. Every replica of a group stores a
// message at the same physical offset, so an id from any replica resolves on all of them.
// IPv6 store hosts are not supported yet (RocketMQ uses a longer id for them).

import { hostPrefixesMax } from './constants.ts';
import { InvalidArgumentError, MalformedError } from './errors.ts';

const twoTo32 = 2 ** 32;

export interface OffsetMessageId {
  readonly host: string;
  readonly port: number;
  readonly physicalOffset: number;
}

const hostPrefixes = new Map<string, string>();

/** The 16 hex characters of host and port, parsed once per host (every send needs them). */
function hostPrefix(storeHost: string): string {
  const known = hostPrefixes.get(storeHost);
  if (known !== undefined) return known;
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3}):(\d{1,5})$/.exec(storeHost);
  if (!m) throw new InvalidArgumentError(`store host ${JSON.stringify(storeHost)} is not IPv4:port`);
  const octets = m.slice(1, 5).map(Number);
  const port = Number(m[5]);
  if (octets.some((o) => o > 255) || port > 65535) throw new InvalidArgumentError(`store host ${storeHost} out of range`);
  const b = Buffer.alloc(8);
  for (let k = 0; k < 4; k++) b[k] = octets[k];
  b.writeUInt32BE(port, 4);
  const prefix = b.toString('hex').toUpperCase();
  if (hostPrefixes.size >= hostPrefixesMax) hostPrefixes.clear();
  hostPrefixes.set(storeHost, prefix);
  return prefix;
}

/** `storeHost` is "a.b.c.d:port". */
export function encodeOffsetMessageId(storeHost: string, physicalOffset: number): string {
  const prefix = hostPrefix(storeHost);
  if (!Number.isSafeInteger(physicalOffset) || physicalOffset < 0) throw new InvalidArgumentError(`bad physical offset ${physicalOffset}`);
  return prefix + hex32(Math.floor(physicalOffset / twoTo32)) + hex32(physicalOffset % twoTo32);
}

/** Two upper-case hex digits per byte value: an id per applied message is built from these. */
const hexByte = Array.from({ length: 256 }, (_, b) => b.toString(16).toUpperCase().padStart(2, '0'));

function hex32(n: number): string {
  return hexByte[(n >>> 24) & 0xff] + hexByte[(n >>> 16) & 0xff] + hexByte[(n >>> 8) & 0xff] + hexByte[n & 0xff];
}

export function decodeOffsetMessageId(id: string): OffsetMessageId {
  if (!/^[0-9A-Fa-f]{32}$/.test(id)) throw new MalformedError('offset message id', `${JSON.stringify(id)} is not 32 hex characters`);
  const b = Buffer.from(id, 'hex');
  const hi = b.readUInt32BE(8);
  if (hi >= 2 ** 21) throw new MalformedError('offset message id', 'physical offset beyond the safe integer range');
  return { host: `${b[0]}.${b[1]}.${b[2]}.${b[3]}`, port: b.readUInt32BE(4), physicalOffset: hi * twoTo32 + b.readUInt32BE(12) };
}

/** Whether the host:port is an IPv4 address the offset id can carry. */
export function canEncodeOffsetMessageId(storeHost: string): boolean {
  try {
    hostPrefix(storeHost);
    return true;
  } catch {
    return false;
  }
}
