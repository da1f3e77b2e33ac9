// State commands carried in Normal entry bodies: a 1-byte kind tag, a version byte, then
// the fields (little-endian, u16-length-prefixed UTF-8 strings; see MESSAGE-FORMAT.md).
// Message batches share the kind tag space but have their own codec (message-codec.ts).

import { ByteReader } from './byte-reader.ts';
import { ByteWriter } from './byte-writer.ts';
import { CommandKind, isCommandKind } from './command-kind.ts';
import { commandVersion, genericValueBytesMax, queueCountMax, stringBytesMax } from './constants.ts';
import { InvalidArgumentError, MalformedError } from './errors.ts';
import type { GroupConfig, TopicConfig } from './metadata-types.ts';
import { MessageType } from './metadata-types.ts';
import { checkGroup, checkQueueId, checkTopic, isValidGroup, isValidQueueId, isValidTopic } from './names.ts';

export const TransactionResolution = { Commit: 1, Rollback: 2 } as const;
export type TransactionResolution = (typeof TransactionResolution)[keyof typeof TransactionResolution];

export type StateCommand =
  | { readonly kind: typeof CommandKind.TopicCreate | typeof CommandKind.TopicUpdate; readonly topic: TopicConfig }
  | { readonly kind: typeof CommandKind.TopicDelete; readonly topic: string }
  | { readonly kind: typeof CommandKind.GroupCreate | typeof CommandKind.GroupUpdate; readonly group: GroupConfig }
  | { readonly kind: typeof CommandKind.GroupDelete; readonly group: string }
  | { readonly kind: typeof CommandKind.OffsetCommit; readonly group: string; readonly topic: string; readonly queueId: number; readonly offset: number }
  | {
      readonly kind: typeof CommandKind.TransactionEnd; readonly transactionId: string; readonly topic: string;
      /** Physical offset of the half (prepared) message this ends. */
      readonly halfPhysicalOffset: number; readonly resolution: TransactionResolution; readonly value: Uint8Array;
    }
  | {
      readonly kind: typeof CommandKind.TimerRelease; readonly timerKey: string; readonly dueTimestampMs: number;
      readonly physicalOffset: number; readonly value: Uint8Array;
    };

const what = 'state command';

/** The kind tag of any entry body; MalformedError when empty. */
export function commandKindOf(body: Uint8Array): number {
  if (body.length === 0) throw new MalformedError(what, 'empty entry body');
  return body[0];
}

export function encodeCommand(c: StateCommand): Uint8Array {
  const w = new ByteWriter(128);
  w.u8(c.kind);
  w.u8(commandVersion);
  switch (c.kind) {
    case CommandKind.TopicCreate:
    case CommandKind.TopicUpdate: return writeTopic(w, c.topic);
    case CommandKind.TopicDelete: checkTopic(c.topic); w.str(c.topic); break;
    case CommandKind.GroupCreate:
    case CommandKind.GroupUpdate: return writeGroup(w, c.group);
    case CommandKind.GroupDelete: checkGroup(c.group); w.str(c.group); break;
    case CommandKind.OffsetCommit:
      checkGroup(c.group); checkTopic(c.topic); checkQueueId(c.queueId); checkUint(c.offset, 'offset');
      w.str(c.group); w.str(c.topic); w.u16(c.queueId); w.u64(c.offset);
      break;
    case CommandKind.TransactionEnd:
      checkString(c.transactionId, 'transaction id'); checkTopic(c.topic); checkUint(c.halfPhysicalOffset, 'half physical offset');
      if (c.resolution !== TransactionResolution.Commit && c.resolution !== TransactionResolution.Rollback) throw new InvalidArgumentError(`bad resolution ${c.resolution}`);
      w.str(c.transactionId); w.str(c.topic); w.u64(c.halfPhysicalOffset); w.u8(c.resolution); writeValue(w, c.value);
      break;
    case CommandKind.TimerRelease:
      checkString(c.timerKey, 'timer key'); checkUint(c.dueTimestampMs, 'due timestamp'); checkUint(c.physicalOffset, 'physical offset');
      w.str(c.timerKey); w.u64(c.dueTimestampMs); w.u64(c.physicalOffset); writeValue(w, c.value);
      break;
    default: throw new InvalidArgumentError(`not a state command kind: ${(c as { kind: number }).kind}`);
  }
  return w.finish();
}

function writeTopic(w: ByteWriter, t: TopicConfig): Uint8Array {
  checkTopic(t.name);
  for (const [n, name] of [[t.readQueueNums, 'readQueueNums'], [t.writeQueueNums, 'writeQueueNums']] as const) {
    if (!Number.isInteger(n) || n < 1 || n > queueCountMax) throw new InvalidArgumentError(`${name} ${n} outside [1, ${queueCountMax}]`);
  }
  if (!Number.isInteger(t.perm) || t.perm < 0 || t.perm > 7) throw new InvalidArgumentError(`perm ${t.perm} outside [0, 7]`);
  if (!Object.values(MessageType).includes(t.messageType)) throw new InvalidArgumentError(`bad message type ${t.messageType}`);
  w.str(t.name); w.u16(t.readQueueNums); w.u16(t.writeQueueNums); w.u8(t.perm); w.u8(t.messageType);
  return w.finish();
}

function writeGroup(w: ByteWriter, g: GroupConfig): Uint8Array {
  checkGroup(g.name);
  if (!Number.isInteger(g.retryMaxTimes) || g.retryMaxTimes < 0 || g.retryMaxTimes > 0xffff) throw new InvalidArgumentError(`retryMaxTimes ${g.retryMaxTimes} outside [0, 65535]`);
  w.str(g.name); w.u16(g.retryMaxTimes); w.u8((g.fifo ? 1 : 0) | (g.consumeEnable ? 2 : 0));
  return w.finish();
}

function writeValue(w: ByteWriter, v: Uint8Array): void {
  if (v.length > genericValueBytesMax) throw new InvalidArgumentError(`value has ${v.length} bytes, more than ${genericValueBytesMax}`);
  w.u32(v.length);
  w.bytes(v);
}

function checkUint(n: number, name: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`${name} ${n} is not a non-negative integer`);
}

function checkString(s: string, name: string): void {
  if (Buffer.byteLength(s, 'utf8') > stringBytesMax) throw new InvalidArgumentError(`${name} longer than ${stringBytesMax} bytes`);
}

// ---- decoding ---------------------------------------------------------------------------

/**
 * Decodes a state command; bad bytes (an unknown kind included) throw MalformedError. The state
 * machine checks the kind first and throws UnknownCommandError, which stops the apply loop.
 */
export function decodeCommand(body: Uint8Array): StateCommand {
  const r: ByteReader = new ByteReader(body, what);
  const kind = r.u8();
  if (!isCommandKind(kind) || kind === CommandKind.MessageBatch) r.fail(`kind ${kind} is not a state command`);
  const version = r.u8();
  if (version !== commandVersion) r.fail(`unsupported version ${version}`);
  const c = decodeFields(r, kind);
  r.expectEnd();
  return c;
}

function decodeFields(r: ByteReader, kind: CommandKind): StateCommand {
  switch (kind) {
    case CommandKind.TopicCreate:
    case CommandKind.TopicUpdate: return { kind, topic: readTopic(r) };
    case CommandKind.TopicDelete: return { kind, topic: topicName(r) };
    case CommandKind.GroupCreate:
    case CommandKind.GroupUpdate: return { kind, group: readGroup(r) };
    case CommandKind.GroupDelete: return { kind, group: groupName(r) };
    case CommandKind.OffsetCommit: return { kind, group: groupName(r), topic: topicName(r), queueId: queueId(r), offset: r.u64() };
    case CommandKind.TransactionEnd: {
      const transactionId = r.str(stringBytesMax, 'transaction id');
      const topic = topicName(r);
      const halfPhysicalOffset = r.u64();
      const resolution = r.u8();
      if (resolution !== TransactionResolution.Commit && resolution !== TransactionResolution.Rollback) r.fail(`bad resolution ${resolution}`);
      return { kind, transactionId, topic, halfPhysicalOffset, resolution, value: readValue(r) };
    }
    case CommandKind.TimerRelease:
      return { kind, timerKey: r.str(stringBytesMax, 'timer key'), dueTimestampMs: r.u64(), physicalOffset: r.u64(), value: readValue(r) };
    default: return r.fail(`kind ${kind} is not a state command`);
  }
}

function topicName(r: ByteReader): string {
  const t = r.str(stringBytesMax, 'topic');
  if (!isValidTopic(t)) r.fail(`invalid topic ${JSON.stringify(t)}`);
  return t;
}

function groupName(r: ByteReader): string {
  const g = r.str(stringBytesMax, 'group');
  if (!isValidGroup(g)) r.fail(`invalid group ${JSON.stringify(g)}`);
  return g;
}

function queueId(r: ByteReader): number {
  const q = r.u16();
  if (!isValidQueueId(q)) r.fail(`queue id ${q} out of range`);
  return q;
}

function readTopic(r: ByteReader): TopicConfig {
  const name = topicName(r);
  const readQueueNums = r.u16();
  const writeQueueNums = r.u16();
  if (readQueueNums < 1 || readQueueNums > queueCountMax || writeQueueNums < 1 || writeQueueNums > queueCountMax) r.fail('queue counts out of range');
  const perm = r.u8();
  if (perm > 7) r.fail(`perm ${perm} out of range`);
  const messageType = r.u8();
  if (!Object.values(MessageType).includes(messageType as MessageType)) r.fail(`bad message type ${messageType}`);
  return { name, readQueueNums, writeQueueNums, perm, messageType: messageType as MessageType };
}

function readGroup(r: ByteReader): GroupConfig {
  const name = groupName(r);
  const retryMaxTimes = r.u16();
  const flags = r.u8();
  if ((flags & ~3) !== 0) r.fail(`unknown group flags ${flags}`);
  return { name, retryMaxTimes, fifo: (flags & 1) !== 0, consumeEnable: (flags & 2) !== 0 };
}

function readValue(r: ByteReader): Uint8Array {
  const n = r.bounded(0, genericValueBytesMax, 'value bytes');
  return Buffer.from(r.bytes(n, 'value'));
}
