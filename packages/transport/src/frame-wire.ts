// The wire form of a RaftPeer `Frame` (proto/peer.proto: bytes batch = 1; bool more = 2),
// written by hand on the sending side. protobufjs would copy each batch into a new buffer only
// to put a few bytes in front of it; here the batch is encoded straight into the frame's
// buffer (encodeMessageFrame), and only the rare chunks of an oversized batch are copied. The
// bytes are exactly what protobufjs writes, so the receiver keeps decoding with the loaded
// proto, and nodes of either kind talk to each other.

import type { Message } from '@ledgermq/raft';
import { assert } from './assert.ts';
import { encodeMessagesAt, measureBatch } from './codec/encode.ts';

/** Field 1 (batch), wire type 2 (length-delimited). */
const batchTag = (1 << 3) | 2;
/** Field 2 (more), wire type 0 (varint), value true. */
const moreTagAndTrue = [(2 << 3) | 0, 1] as const;

function varintBytes(n: number): number {
  let bytes = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    bytes++;
  }
  return bytes;
}

function writeVarint(buf: Buffer, at: number, n: number): number {
  while (n >= 0x80) {
    buf[at++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 0x80);
  }
  buf[at++] = n;
  return at;
}

function envelopeHead(buf: Buffer, batchBytes: number): number {
  buf[0] = batchTag;
  return writeVarint(buf, 1, batchBytes);
}

/**
 * `msgs` encoded as one batch inside a Frame with `more` false, in one buffer, or null when the
 * batch is larger than `frameBytesMax` (the caller then splits it into chunks).
 */
export function encodeMessageFrame(msgs: readonly Message[], frameBytesMax: number): Buffer | null {
  const batchBytes = measureBatch(msgs);
  if (batchBytes > frameBytesMax) return null;
  const head = 1 + varintBytes(batchBytes);
  const buf = Buffer.allocUnsafe(head + batchBytes);
  assert(envelopeHead(buf, batchBytes) === head, 'frame head size');
  encodeMessagesAt(msgs, buf, head, batchBytes);
  return buf;
}

/** One chunk of an oversized batch as a Frame (copied: only snapshots take this path). */
export function chunkFrame(chunk: Buffer, more: boolean): Buffer {
  const head = 1 + varintBytes(chunk.length);
  const buf = Buffer.allocUnsafe(head + chunk.length + (more ? moreTagAndTrue.length : 0));
  let at = envelopeHead(buf, chunk.length);
  at += chunk.copy(buf, at);
  if (more) for (const b of moreTagAndTrue) buf[at++] = b;
  assert(at === buf.length, 'chunk frame size');
  return buf;
}
