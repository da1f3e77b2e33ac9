// Decoder: every length is checked against the bytes that remain and against the limits
// before it is used, so garbage is refused with MalformedFrameError and never half-decoded.
// Entry and snapshot data are zero-copy views of the input buffer.

import { isUtf8 } from 'node:buffer';
import type { Entry, EntryType, Message, MessageType, NodeId, Snapshot } from '@ledgermq/raft';
import { MalformedFrameError } from '../errors.ts';
import {
  batchBytesMax,
  codecVersion,
  entriesPerMessageMax,
  entryBytesMax,
  messagesPerBatchMax,
  nodeIdBytesMax,
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
  flagsKnown,
  messageBytesMin,
  messageFixedBytes,
  messageTypeMax,
  nodeIdLengthBytes,
  snapshotDataLengthBytes,
  snapshotFixedBytes,
  two32,
  u64HighMax,
} from './format.ts';

/** A cursor over the batch; every read is bounds-checked. */
class Reader {
  offset = 0;
  constructor(readonly buf: Buffer) {}

  remaining(): number {
    return this.buf.length - this.offset;
  }

  need(bytes: number, what: string): void {
    if (bytes > this.remaining()) {
      throw new MalformedFrameError(`${what} needs ${bytes} bytes at offset ${this.offset}, only ${this.remaining()} remain`);
    }
  }

  u8(): number {
    const v = this.buf[this.offset];
    this.offset += 1;
    return v;
  }

  u16(): number {
    const v = this.buf.readUInt16LE(this.offset);
    this.offset += 2;
    return v;
  }

  u32(): number {
    const v = this.buf.readUInt32LE(this.offset);
    this.offset += 4;
    return v;
  }

  u53(what: string): number {
    const lo = this.buf.readUInt32LE(this.offset);
    const hi = this.buf.readUInt32LE(this.offset + 4);
    if (hi > u64HighMax) throw new MalformedFrameError(`${what} at offset ${this.offset} exceeds 2^53`);
    this.offset += 8;
    return hi * two32 + lo;
  }

  bytes(length: number): Buffer {
    const v = this.buf.subarray(this.offset, this.offset + length);
    this.offset += length;
    return v;
  }

  nodeId(what: string): NodeId {
    this.need(nodeIdLengthBytes, what);
    const length = this.u16();
    if (length === 0 || length > nodeIdBytesMax) {
      throw new MalformedFrameError(`${what} length ${length} outside 1..${nodeIdBytesMax}`);
    }
    this.need(length, what);
    const bytes = this.bytes(length);
    if (!isUtf8(bytes)) throw new MalformedFrameError(`${what} is not valid UTF-8`);
    return bytes.toString('utf8');
  }
}

function readEntries(r: Reader, count: number): Entry[] {
  const entries: Entry[] = [];
  for (let i = 0; i < count; i++) {
    r.need(entryHeaderBytes, `entry ${i} header`);
    const index = r.u53('entry index');
    const term = r.u53('entry term');
    const type = r.u8();
    if (type > entryTypeMax) throw new MalformedFrameError(`entry ${i} type ${type} unknown`);
    const length = r.u32();
    if (length > entryBytesMax) throw new MalformedFrameError(`entry ${i} data length ${length} over limit ${entryBytesMax}`);
    r.need(length, `entry ${i} data`);
    entries.push({ index, term, type: type as EntryType, data: r.bytes(length) });
  }
  return entries;
}

function readSnapshot(r: Reader): Snapshot {
  r.need(snapshotFixedBytes, 'snapshot header');
  const index = r.u53('snapshot index');
  const term = r.u53('snapshot term');
  const voterCount = r.u16();
  if (voterCount > votersMax) throw new MalformedFrameError(`${voterCount} snapshot voters over limit ${votersMax}`);
  const voters: NodeId[] = [];
  for (let i = 0; i < voterCount; i++) voters.push(r.nodeId(`snapshot voter ${i}`));
  r.need(snapshotDataLengthBytes, 'snapshot data length');
  const length = r.u32();
  if (length > snapshotBytesMax) throw new MalformedFrameError(`snapshot data length ${length} over limit ${snapshotBytesMax}`);
  r.need(length, 'snapshot data');
  return { meta: { index, term, conf: { voters } }, data: r.bytes(length) };
}

function readMessage(r: Reader, n: number): Message {
  r.need(messageFixedBytes, `message ${n} header`);
  const type = r.u8();
  if (type > messageTypeMax) throw new MalformedFrameError(`message ${n} type ${type} unknown`);
  const flags = r.u8();
  if ((flags & ~flagsKnown) !== 0) throw new MalformedFrameError(`message ${n} has unknown flags 0x${flags.toString(16)}`);
  const term = r.u53('term');
  const index = r.u53('index');
  const logTerm = r.u53('logTerm');
  const commit = r.u53('commit');
  const rejectHint = r.u53('rejectHint');
  const entryCount = r.u32();
  if (entryCount > entriesPerMessageMax) {
    throw new MalformedFrameError(`message ${n} has ${entryCount} entries, limit ${entriesPerMessageMax}`);
  }
  const from = r.nodeId(`message ${n} from`);
  const to = r.nodeId(`message ${n} to`);
  // Checked before any entry is read so a lying count cannot make us loop or allocate.
  r.need(entryCount * entryHeaderBytes, `message ${n} entries (${entryCount})`);
  const entries = readEntries(r, entryCount);
  const snapshot = (flags & flagSnapshot) !== 0 ? readSnapshot(r) : null;
  return {
    type: type as MessageType,
    from,
    to,
    term,
    index,
    logTerm,
    entries,
    commit,
    reject: (flags & flagReject) !== 0,
    rejectHint,
    snapshot,
    transfer: (flags & flagTransfer) !== 0,
  };
}

/**
 * Decodes one batch. Returns every message or throws MalformedFrameError; never a partial result.
 * The returned entries' data alias `buf`: the caller must not reuse `buf` while they live.
 */
export function decodeMessages(buf: Buffer): Message[] {
  if (!Buffer.isBuffer(buf)) throw new MalformedFrameError('batch is not a Buffer');
  if (buf.length > batchBytesMax) throw new MalformedFrameError(`batch of ${buf.length} bytes over limit ${batchBytesMax}`);
  const r = new Reader(buf);
  r.need(batchHeaderBytes, 'batch header');
  const version = r.u8();
  if (version !== codecVersion) throw new MalformedFrameError(`codec version ${version}, expected ${codecVersion}`);
  const count = r.u32();
  if (count > messagesPerBatchMax) throw new MalformedFrameError(`${count} messages, limit ${messagesPerBatchMax}`);
  r.need(count * messageBytesMin, `${count} messages`);
  const msgs: Message[] = [];
  for (let n = 0; n < count; n++) msgs.push(readMessage(r, n));
  if (r.remaining() !== 0) throw new MalformedFrameError(`${r.remaining()} trailing bytes after ${count} messages`);
  return msgs;
}
