// The wire form of a ConfChange, stored as the data of an EntryType.ConfChange entry:
//   byte 0: format version (1), byte 1: ConfChangeType, bytes 2..: node id in UTF-8.

import { nodeIdBytesMax } from './constants.ts';
import { InvalidConfChangeError } from './errors.ts';
import { ConfChangeType, type ConfChange } from './types.ts';

const formatVersion = 1;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeConfChange(cc: ConfChange): Uint8Array {
  checkConfChange(cc);
  const node = encoder.encode(cc.node);
  const out = new Uint8Array(2 + node.length);
  out[0] = formatVersion;
  out[1] = cc.type;
  out.set(node, 2);
  return out;
}

export function decodeConfChange(b: Uint8Array): ConfChange {
  if (b.length < 3) throw new InvalidConfChangeError(`encoded conf change too short (${b.length} bytes)`);
  if (b[0] !== formatVersion) throw new InvalidConfChangeError(`unknown conf change format ${b[0]}`);
  let node: string;
  try {
    node = decoder.decode(b.subarray(2));
  } catch (err) {
    throw new InvalidConfChangeError('node id is not UTF-8', { cause: err });
  }
  const cc = { type: b[1] as ConfChangeType, node };
  checkConfChange(cc);
  return cc;
}

function checkConfChange(cc: ConfChange): void {
  if (cc.type !== ConfChangeType.AddNode && cc.type !== ConfChangeType.RemoveNode) {
    throw new InvalidConfChangeError(`unknown type ${String(cc.type)}`);
  }
  if (typeof cc.node !== 'string' || cc.node.length === 0 || encoder.encode(cc.node).length > nodeIdBytesMax) {
    throw new InvalidConfChangeError('node id must be a non-empty string of at most 256 bytes');
  }
}
