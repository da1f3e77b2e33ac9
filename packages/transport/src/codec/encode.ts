// Encoder: measure every message exactly (validating it), allocate the batch once, write it.
// Entry data is copied exactly once, into the batch buffer.

import type { Entry, Message, Snapshot } from '@ledgermq/raft';
import { assert } from '../assert.ts';
import { InvalidMessageError } from '../errors.ts';
import {
  codecVersion,
  entriesPerMessageMax,
  entryBytesMax,
  messagesPerBatchMax,
  nodeIdBytesMax,
  nodeIdCacheMax,
  snapshotBytesMax,
  votersMax,
} from '../constants.ts';
import {
  batchHeaderBytes,
  entryHeaderBytes,
  entryTypeMax,
  flagReject,
  flagSnapshot,
  flagTransfer,
  messageFixedBytes,
  messageTypeMax,
  nodeIdLengthBytes,
  snapshotDataLengthBytes,
  snapshotFixedBytes,
  two32,
} from './format.ts';

// Node ids repeat in every message: keep their UTF-8 bytes instead of re-encoding each time.
const nodeIdCache = new Map<string, Buffer>();

function nodeIdBytes(id: string): Buffer {
  let bytes = nodeIdCache.get(id);
  if (bytes !== undefined) return bytes;
  if (typeof id !== 'string') throw new InvalidMessageError(`node id must be a string, got ${typeof id}`);
  bytes = Buffer.from(id, 'utf8');
  if (bytes.length === 0 || bytes.length > nodeIdBytesMax) {
    throw new InvalidMessageError(`node id "${id}" must be 1..${nodeIdBytesMax} UTF-8 bytes, is ${bytes.length}`);
  }
  if (nodeIdCache.size >= nodeIdCacheMax) nodeIdCache.clear();
  nodeIdCache.set(id, bytes);
  return bytes;
}

function checkU53(value: number, field: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidMessageError(`${field} must be a non-negative safe integer, got ${value}`);
  }
}

function measureEntries(entries: readonly Entry[]): number {
  if (entries.length > entriesPerMessageMax) {
    throw new InvalidMessageError(`${entries.length} entries in one message, limit ${entriesPerMessageMax}`);
  }
  let bytes = entries.length * entryHeaderBytes;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    checkU53(e.index, 'entry.index');
    checkU53(e.term, 'entry.term');
    if (!Number.isInteger(e.type) || e.type < 0 || e.type > entryTypeMax) {
      throw new InvalidMessageError(`entry.type ${e.type} unknown`);
    }
    if (!(e.data instanceof Uint8Array)) throw new InvalidMessageError('entry.data must be a Uint8Array');
    if (e.data.length > entryBytesMax) {
      throw new InvalidMessageError(`entry ${e.index} data is ${e.data.length} bytes, limit ${entryBytesMax}`);
    }
    bytes += e.data.length;
  }
  return bytes;
}

function measureSnapshot(snapshot: Snapshot): number {
  checkU53(snapshot.meta.index, 'snapshot.meta.index');
  checkU53(snapshot.meta.term, 'snapshot.meta.term');
  const voters = snapshot.meta.conf.voters;
  if (voters.length > votersMax) throw new InvalidMessageError(`${voters.length} voters, limit ${votersMax}`);
  let bytes = snapshotFixedBytes + snapshotDataLengthBytes;
  for (const voter of voters) bytes += nodeIdLengthBytes + nodeIdBytes(voter).length;
  if (!(snapshot.data instanceof Uint8Array)) throw new InvalidMessageError('snapshot.data must be a Uint8Array');
  if (snapshot.data.length > snapshotBytesMax) {
    throw new InvalidMessageError(`snapshot data is ${snapshot.data.length} bytes, limit ${snapshotBytesMax}`);
  }
  return bytes + snapshot.data.length;
}

/** Exact encoded size of one message inside a batch; throws InvalidMessageError if it cannot be encoded. */
export function measureMessage(msg: Message): number {
  if (!Number.isInteger(msg.type) || msg.type < 0 || msg.type > messageTypeMax) {
    throw new InvalidMessageError(`message type ${msg.type} unknown`);
  }
  checkU53(msg.term, 'term');
  checkU53(msg.index, 'index');
  checkU53(msg.logTerm, 'logTerm');
  checkU53(msg.commit, 'commit');
  checkU53(msg.rejectHint, 'rejectHint');
  let bytes = messageFixedBytes + 2 * nodeIdLengthBytes;
  bytes += nodeIdBytes(msg.from).length + nodeIdBytes(msg.to).length;
  bytes += measureEntries(msg.entries);
  if (msg.snapshot !== null) bytes += measureSnapshot(msg.snapshot);
  return bytes;
}

/** Encoded size of a batch whose messages measure `messagesBytes` in total. */
export function batchBytes(messagesBytes: number): number {
  return batchHeaderBytes + messagesBytes;
}

function writeU53(buf: Buffer, offset: number, value: number): number {
  buf.writeUInt32LE(value >>> 0, offset);
  buf.writeUInt32LE(Math.floor(value / two32), offset + 4);
  return offset + 8;
}

function writeNodeId(buf: Buffer, offset: number, id: string): number {
  const bytes = nodeIdBytes(id);
  buf.writeUInt16LE(bytes.length, offset);
  buf.set(bytes, offset + nodeIdLengthBytes);
  return offset + nodeIdLengthBytes + bytes.length;
}

function writeSnapshot(buf: Buffer, offset: number, snapshot: Snapshot): number {
  let o = writeU53(buf, offset, snapshot.meta.index);
  o = writeU53(buf, o, snapshot.meta.term);
  o = buf.writeUInt16LE(snapshot.meta.conf.voters.length, o);
  for (const voter of snapshot.meta.conf.voters) o = writeNodeId(buf, o, voter);
  o = buf.writeUInt32LE(snapshot.data.length, o);
  buf.set(snapshot.data, o);
  return o + snapshot.data.length;
}

function writeMessage(buf: Buffer, offset: number, msg: Message): number {
  let flags = 0;
  if (msg.reject) flags |= flagReject;
  if (msg.transfer) flags |= flagTransfer;
  if (msg.snapshot !== null) flags |= flagSnapshot;
  let o = buf.writeUInt8(msg.type, offset);
  o = buf.writeUInt8(flags, o);
  o = writeU53(buf, o, msg.term);
  o = writeU53(buf, o, msg.index);
  o = writeU53(buf, o, msg.logTerm);
  o = writeU53(buf, o, msg.commit);
  o = writeU53(buf, o, msg.rejectHint);
  o = buf.writeUInt32LE(msg.entries.length, o);
  o = writeNodeId(buf, o, msg.from);
  o = writeNodeId(buf, o, msg.to);
  for (let i = 0; i < msg.entries.length; i++) {
    const e = msg.entries[i];
    o = writeU53(buf, o, e.index);
    o = writeU53(buf, o, e.term);
    o = buf.writeUInt8(e.type, o);
    o = buf.writeUInt32LE(e.data.length, o);
    buf.set(e.data, o);
    o += e.data.length;
  }
  if (msg.snapshot !== null) o = writeSnapshot(buf, o, msg.snapshot);
  return o;
}

/**
 * Encodes a batch of messages into one freshly allocated buffer.
 * Throws InvalidMessageError (before writing anything) if a message cannot be encoded.
 */
export function encodeMessages(msgs: readonly Message[]): Buffer {
  const total = measureBatch(msgs);
  const buf = Buffer.allocUnsafe(total);
  encodeMessagesAt(msgs, buf, 0, total);
  return buf;
}

/** Bytes of `msgs` encoded as one batch (validating every message). */
export function measureBatch(msgs: readonly Message[]): number {
  if (msgs.length > messagesPerBatchMax) {
    throw new InvalidMessageError(`${msgs.length} messages in one batch, limit ${messagesPerBatchMax}`);
  }
  let total = batchHeaderBytes;
  for (let i = 0; i < msgs.length; i++) total += measureMessage(msgs[i]);
  return total;
}

/** Writes the batch of `msgs`, measured as `total` bytes by measureBatch, into `buf` at `at`. */
export function encodeMessagesAt(msgs: readonly Message[], buf: Buffer, at: number, total: number): void {
  assert(at + total <= buf.length, `batch of ${total} bytes does not fit at ${at} in ${buf.length}`);
  let o = buf.writeUInt8(codecVersion, at);
  o = buf.writeUInt32LE(msgs.length, o);
  for (let i = 0; i < msgs.length; i++) {
    const start = o;
    o = writeMessage(buf, o, msgs[i]);
    assert(o > start, 'a message occupies at least its fixed part');
  }
  assert(o === at + total, `encoded ${o - at} bytes, measured ${total}`);
}
