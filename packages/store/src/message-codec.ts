// Binary layout of a message-batch entry body (see MESSAGE-FORMAT.md). Encoding validates
// every limit and throws InvalidArgumentError; decoding bounds every length and throws
// MalformedError. Decoded bodies are views into the input (zero copy).

import { crc32c } from '@node-rs/crc32';
import { ByteReader } from './byte-reader.ts';
import { ByteWriter } from './byte-writer.ts';
import { CommandKind } from './command-kind.ts';
import {
  batchMessagesMax, bodyBytesMax, commandVersion, entryBodyBytesMax, keysCountMax, propertiesBytesMax,
  stringBytesMax, stringMemoBytesMax, stringMemoSlots, userPropertiesCountMax,
} from './constants.ts';
import { InvalidArgumentError } from './errors.ts';
import type { MessageBatch, MessageInput, MessageProperties, StoredMessage } from './message.ts';
import { TransactionState } from './message.ts';
import { checkQueueId, checkTopic, isValidQueueId, isValidTopic } from './names.ts';
import { StringMemo } from './string-memo.ts';

const what = 'message batch';

const Has = { tags: 1, uniqKey: 2, messageGroup: 4, deliveryTimestamp: 8, transactionId: 16, traceContext: 32 } as const;
const hasAll = 63;
const u32Max = 0xffffffff;
const transactionStates: ReadonlySet<number> = new Set(Object.values(TransactionState));
/** A UTF-16 unit encodes to at most 3 UTF-8 bytes, so a string this short needs no byte count. */
const stringCharsAlwaysFit = Math.floor(stringBytesMax / 3);

/** Bytes of the fixed part of a record: recordBytes, flag, sysFlag, reconsumeTimes, bornTimestamp. */
const recordFixedBytes = 4 + 4 + 4 + 4 + 8;
/** Sizing guesses for the batch buffer (see batchBytesEstimate): header, and per record beyond its body. */
const batchHeaderBytesEstimate = 128;
const recordOverheadBytesEstimate = 192;

export function encodeMessageBatch(batch: MessageBatch): Uint8Array {
  checkTopic(batch.topic);
  checkQueueId(batch.queueId);
  checkString(batch.storeHost, 'store host');
  checkTimestamp(batch.storeTimestampMs, 'store timestamp');
  const n = batch.messages.length;
  if (n < 1 || n > batchMessagesMax) throw new InvalidArgumentError(`a batch holds 1..${batchMessagesMax} messages, got ${n}`);
  const w = new ByteWriter(batchBytesEstimate(batch));
  w.u8(CommandKind.MessageBatch);
  w.u8(commandVersion);
  w.str(batch.topic);
  w.u16(batch.queueId);
  w.str(batch.storeHost);
  w.u64(batch.storeTimestampMs);
  w.u16(n);
  for (const m of batch.messages) writeRecord(w, m);
  if (w.length > entryBodyBytesMax) throw new InvalidArgumentError(`batch encodes to ${w.length} bytes, more than ${entryBodyBytesMax}`);
  return w.finish();
}

/**
 * Room for the whole batch, so the writer neither grows (each growth copies everything written)
 * nor copies at finish: bodies exactly, plus a typical record's header and properties.
 */
function batchBytesEstimate(batch: MessageBatch): number {
  let bytes = batchHeaderBytesEstimate;
  for (const m of batch.messages) bytes += m.body.length + recordOverheadBytesEstimate;
  return Math.min(bytes, entryBodyBytesMax);
}

function writeRecord(w: ByteWriter, m: MessageInput): void {
  checkU32(m.flag, 'flag');
  checkU32(m.sysFlag, 'sysFlag');
  checkU32(m.reconsumeTimes, 'reconsumeTimes');
  checkTimestamp(m.bornTimestampMs, 'born timestamp');
  checkString(m.bornHost, 'born host');
  if (m.body.length > bodyBytesMax) throw new InvalidArgumentError(`body has ${m.body.length} bytes, more than ${bodyBytesMax}`);
  const start = w.length;
  w.u32(0); // recordBytes, patched below
  w.u32(m.flag);
  w.u32(m.sysFlag);
  w.u32(m.reconsumeTimes);
  w.u64(m.bornTimestampMs);
  w.str(m.bornHost);
  const propsAt = w.length;
  w.u32(0); // propertiesBytes, patched below
  writeProperties(w, m.properties);
  const propsBytes = w.length - propsAt - 4;
  if (propsBytes > propertiesBytesMax) throw new InvalidArgumentError(`properties encode to ${propsBytes} bytes, more than ${propertiesBytesMax}`);
  w.patchU32(propsAt, propsBytes);
  const body = Buffer.from(m.body.buffer, m.body.byteOffset, m.body.byteLength);
  w.u32(crc32c(body));
  w.u32(body.length);
  w.bytes(body);
  w.patchU32(start, w.length - start);
}

function writeProperties(w: ByteWriter, p: MessageProperties): void {
  if (!transactionStates.has(p.transactionState)) throw new InvalidArgumentError(`bad transaction state ${p.transactionState}`);
  let has = 0;
  if (p.tags !== null) has |= Has.tags;
  if (p.uniqKey !== null) has |= Has.uniqKey;
  if (p.messageGroup !== null) has |= Has.messageGroup;
  if (p.deliveryTimestampMs !== null) has |= Has.deliveryTimestamp;
  if (p.transactionId !== null) has |= Has.transactionId;
  if (p.traceContext !== null) has |= Has.traceContext;
  w.u16(has);
  w.u8(p.transactionState);
  if (p.tags !== null) writeString(w, p.tags, 'tags');
  if (p.uniqKey !== null) writeString(w, p.uniqKey, 'uniq key');
  if (p.messageGroup !== null) writeString(w, p.messageGroup, 'message group');
  if (p.deliveryTimestampMs !== null) {
    checkTimestamp(p.deliveryTimestampMs, 'delivery timestamp');
    w.u64(p.deliveryTimestampMs);
  }
  if (p.transactionId !== null) writeString(w, p.transactionId, 'transaction id');
  if (p.traceContext !== null) writeString(w, p.traceContext, 'trace context');
  if (p.keys.length > keysCountMax) throw new InvalidArgumentError(`${p.keys.length} keys, more than ${keysCountMax}`);
  w.u16(p.keys.length);
  for (const key of p.keys) writeString(w, key, 'key');
  if (p.user.size > userPropertiesCountMax) throw new InvalidArgumentError(`${p.user.size} user properties, more than ${userPropertiesCountMax}`);
  w.u16(p.user.size);
  if (p.user.size === 0) return; // most messages: no array to build and sort
  for (const k of [...p.user.keys()].sort()) {
    writeString(w, k, 'user property name');
    writeString(w, p.user.get(k)!, 'user property value');
  }
}

function writeString(w: ByteWriter, s: string, name: string): void {
  checkString(s, name);
  w.str(s);
}

function checkString(s: string, name: string): void {
  if (s.length <= stringCharsAlwaysFit) return;
  if (Buffer.byteLength(s, 'utf8') > stringBytesMax) throw new InvalidArgumentError(`${name} longer than ${stringBytesMax} bytes`);
}

function checkU32(v: number, name: string): void {
  if (!Number.isInteger(v) || v < 0 || v > u32Max) throw new InvalidArgumentError(`${name} ${v} is not a u32`);
}

function checkTimestamp(ms: number, name: string): void {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new InvalidArgumentError(`${name} ${ms} is not a non-negative integer ms`);
}

// ---- decoding ---------------------------------------------------------------------------

export interface BatchHeader {
  readonly topic: string;
  readonly queueId: number;
  readonly storeHost: string;
  readonly storeTimestampMs: number;
  readonly count: number;
  /** Where the first record starts in the body. */
  readonly recordsOffsetBytes: number;
}

/** `r`: a reader to reuse (the queue read path keeps one); it is moved to the whole of `body`. */
export function decodeBatchHeader(body: Uint8Array, r?: ByteReader): BatchHeader {
  if (r === undefined) return readBatchHeader(new ByteReader(body, what));
  r.retarget(body);
  return readBatchHeader(r);
}

/** The last topic name that passed isValidTopic (entries of one topic follow each other). */
let lastValidTopic = '';
/** Fields that repeat from message to message: decoded once per distinct value (string-memo.ts). */
const topics = new StringMemo(stringMemoSlots, stringMemoBytesMax);
const storeHosts = new StringMemo(stringMemoSlots, stringMemoBytesMax);
const bornHosts = new StringMemo(stringMemoSlots, stringMemoBytesMax);
const tagStrings = new StringMemo(stringMemoSlots, stringMemoBytesMax);

function readBatchHeader(r: ByteReader): BatchHeader {
  const kind = r.u8();
  if (kind !== CommandKind.MessageBatch) r.fail(`kind ${kind} is not a message batch`);
  const version = r.u8();
  if (version !== commandVersion) r.fail(`unsupported version ${version}`);
  const topic = r.memoStr(stringBytesMax, 'topic', topics);
  if (topic !== lastValidTopic) {
    if (!isValidTopic(topic)) r.fail(`invalid topic ${JSON.stringify(topic)}`);
    lastValidTopic = topic;
  }
  const queueId = r.u16();
  if (!isValidQueueId(queueId)) r.fail(`queue id ${queueId} out of range`);
  const storeHost = r.memoStr(stringBytesMax, 'store host', storeHosts);
  const storeTimestampMs = r.u64();
  const count = r.u16();
  if (count < 1 || count > batchMessagesMax) r.fail(`count ${count} outside [1, ${batchMessagesMax}]`);
  return { topic, queueId, storeHost, storeTimestampMs, count, recordsOffsetBytes: r.offset };
}

/** Decodes every message of a batch body; throws MalformedError on any inconsistency. */
export function decodeMessageBatch(body: Uint8Array): StoredMessage[] {
  const r = new ByteReader(body, what);
  const h = readBatchHeader(r);
  const out: StoredMessage[] = [];
  let at = h.recordsOffsetBytes;
  for (let k = 0; k < h.count; k++) {
    const m = readRecord(r, at, body.length, h);
    out.push(m);
    at += m.recordBytes;
  }
  if (at !== body.length) r.fail('trailing bytes after the last record');
  return out;
}

/** What apply needs of one record: where it is, and what the ConsumeQueue and index key on. */
export interface ScannedRecord {
  readonly recordOffsetBytes: number;
  readonly recordBytes: number;
  readonly tags: string | null;
  readonly uniqKey: string | null;
  readonly keys: readonly string[];
}

/**
 * The apply-time decode: validates the batch exactly like decodeMessageBatch (framing, every
 * length, every property, the user-property order) except the body CRC, and builds only what
 * apply keeps. The body bytes are covered by the log entry's checksum on their way here, and
 * checked again on every read that hands a body out: by the record's CRC, or by the entry's
 * when the log has just read it from disk (MessageReader).
 */
export function scanMessageBatch(body: Uint8Array): { readonly header: BatchHeader; readonly records: ScannedRecord[] } {
  const r = new ByteReader(body, what);
  const header = readBatchHeader(r);
  const records: ScannedRecord[] = new Array(header.count);
  const end = body.length;
  let at = header.recordsOffsetBytes;
  for (let k = 0; k < header.count; k++) {
    r.reset(at, end);
    const recordBytes = r.bounded(recordFixedBytes, end - at, 'record bytes');
    const recordEnd = at + recordBytes;
    // flag, sysFlag and reconsumeTimes (u32 each) carry no constraint beyond their width; the
    // born timestamp must be a safe integer and the born host a bounded, valid string.
    r.reset(at + 16, recordEnd);
    r.u64();
    r.skipStr(stringBytesMax, 'born host');
    const p = readRecordProperties(r, recordEnd, true);
    r.u32(); // body CRC32C
    readRecordBody(r);
    records[k] = { recordOffsetBytes: at, recordBytes, tags: p.tags, uniqKey: p.uniqKey, keys: p.keys };
    at = recordEnd;
  }
  if (at !== end) r.fail('trailing bytes after the last record');
  return { header, records };
}

/** Record offsets of every message of a batch, without decoding them (validates the framing). */
export function recordOffsets(body: Uint8Array, h: BatchHeader = decodeBatchHeader(body)): number[] {
  const r = new ByteReader(body, what, h.recordsOffsetBytes);
  const out: number[] = [];
  for (let k = 0; k < h.count; k++) {
    const start = r.offset;
    const n = r.bounded(recordFixedBytes, r.remaining, 'record bytes');
    out.push(start);
    r.bytes(n - 4, 'record');
  }
  r.expectEnd();
  return out;
}

/** The message whose record starts at `recordOffsetBytes`; MalformedError if no record starts there. */
export function decodeMessageAt(body: Uint8Array, recordOffsetBytes: number): StoredMessage {
  const h = decodeBatchHeader(body);
  if (!recordOffsets(body, h).includes(recordOffsetBytes)) {
    new ByteReader(body, what).fail(`no record starts at byte ${recordOffsetBytes}`);
  }
  return readRecord(new ByteReader(body, what), recordOffsetBytes, body.length, h);
}

/**
 * Decodes the record at `at` of a body whose header is `h`, trusting that a record starts
 * there (a ConsumeQueue record says so). Every length is still bounded, so a wrong offset
 * raises MalformedError (or decodes a record that fails its CRC), never reads out of bounds.
 * `r`: a reader to reuse (moved to `body`) instead of a new one.
 */
export function decodeRecordAt(body: Uint8Array, h: BatchHeader, at: number, checkBodyCrc = true, r?: ByteReader): StoredMessage {
  if (r === undefined) return readRecord(new ByteReader(body, what), at, body.length, h, checkBodyCrc);
  r.retarget(body);
  return readRecord(r, at, body.length, h, checkBodyCrc);
}

/**
 * Reads the record at `at` (within [at, end)); leaves `r` anywhere. `checkBodyCrc` false: the
 * caller has just verified a checksum covering the whole record (the log entry's, read from disk).
 */
function readRecord(r: ByteReader, at: number, end: number, h: BatchHeader, checkBodyCrc = true): StoredMessage {
  r.reset(at, end);
  const recordBytes = r.bounded(recordFixedBytes, end - at, 'record bytes');
  const recordEnd = at + recordBytes;
  r.reset(at + 4, recordEnd);
  const flag = r.u32();
  const sysFlag = r.u32();
  const reconsumeTimes = r.u32();
  const bornTimestampMs = r.u64();
  const bornHost = r.memoStr(stringBytesMax, 'born host', bornHosts);
  const properties = readRecordProperties(r, recordEnd);
  const bodyCrc32c = r.u32();
  const payload = readRecordBody(r);
  if (checkBodyCrc && crc32c(payload) !== bodyCrc32c) r.fail('body CRC32C mismatch');
  return {
    topic: h.topic, queueId: h.queueId, storeHost: h.storeHost, storeTimestampMs: h.storeTimestampMs,
    flag, sysFlag, reconsumeTimes, bornHost, bornTimestampMs, properties, body: payload, bodyCrc32c,
    recordOffsetBytes: at, recordBytes,
  };
}

/**
 * A record's properties (the reader at their length field); leaves the reader at the body CRC.
 * `scan`: validated alike, but only tags, uniqKey and keys are built (into a shared scratch
 * object, valid until the next call): what apply keeps.
 */
function readRecordProperties(r: ByteReader, recordEnd: number, scan = false): MessageProperties {
  const propsBytes = r.bounded(0, propertiesBytesMax, 'properties bytes');
  const propsEnd = r.offset + propsBytes;
  if (propsEnd > recordEnd) r.fail(`properties need ${propsBytes} bytes, ${recordEnd - r.offset} left`);
  r.reset(r.offset, propsEnd);
  const p = readProperties(r, scan);
  r.reset(propsEnd, recordEnd);
  return p;
}

interface ScanScratch { tags: string | null; uniqKey: string | null; keys: readonly string[] }
const scanScratch: ScanScratch & MessageProperties = {
  tags: null, keys: [], uniqKey: null, messageGroup: null, deliveryTimestampMs: null, transactionId: null,
  transactionState: TransactionState.None, traceContext: null, user: new Map(),
};

/** A record's body (the reader at its length field), which must end the record. */
function readRecordBody(r: ByteReader): Buffer {
  const bodyLen = r.bounded(0, bodyBytesMax, 'body bytes');
  const payload = r.bytes(bodyLen, 'body');
  r.expectEnd();
  return payload;
}

const noKeys: readonly string[] = Object.freeze([]);
const noUser: ReadonlyMap<string, string> = new Map();

/** Properties filling exactly the reader's current range. */
function readProperties(r: ByteReader, scan = false): MessageProperties {
  const has = r.u16();
  if ((has & ~hasAll) !== 0) r.fail(`unknown property flags ${has}`);
  const transactionState = r.u8();
  if (transactionState > TransactionState.Rollback) r.fail(`bad transaction state ${transactionState}`);
  const tags = (has & Has.tags) !== 0 ? r.memoStr(stringBytesMax, 'tags', tagStrings) : null;
  const uniqKey = (has & Has.uniqKey) !== 0 ? r.str(stringBytesMax, 'uniq key') : null;
  if (scan) {
    if ((has & Has.messageGroup) !== 0) r.skipStr(stringBytesMax, 'message group');
    if ((has & Has.deliveryTimestamp) !== 0) r.u64();
    if ((has & Has.transactionId) !== 0) r.skipStr(stringBytesMax, 'transaction id');
    if ((has & Has.traceContext) !== 0) r.skipStr(stringBytesMax, 'trace context');
    scanScratch.tags = tags;
    scanScratch.uniqKey = uniqKey;
    scanScratch.keys = readKeys(r);
    readUser(r, false);
    return scanScratch;
  }
  const messageGroup = (has & Has.messageGroup) !== 0 ? r.str(stringBytesMax, 'message group') : null;
  const deliveryTimestampMs = (has & Has.deliveryTimestamp) !== 0 ? r.u64() : null;
  const transactionId = (has & Has.transactionId) !== 0 ? r.str(stringBytesMax, 'transaction id') : null;
  const traceContext = (has & Has.traceContext) !== 0 ? r.str(stringBytesMax, 'trace context') : null;
  const keys = readKeys(r);
  const user = readUser(r, true);
  return {
    tags, keys, uniqKey, messageGroup, deliveryTimestampMs, transactionId,
    transactionState: transactionState as TransactionState, traceContext, user,
  };
}

function readKeys(r: ByteReader): readonly string[] {
  const keyCount = r.u16();
  if (keyCount > keysCountMax) r.fail(`${keyCount} keys, more than ${keysCountMax}`);
  if (keyCount === 0) return noKeys;
  const ks: string[] = new Array(keyCount);
  for (let k = 0; k < keyCount; k++) ks[k] = r.str(stringBytesMax, 'key');
  return ks;
}

/** User properties, checked sorted and unique, then the end of the properties; the map when `keep`. */
function readUser(r: ByteReader, keep: boolean): ReadonlyMap<string, string> {
  const userCount = r.u16();
  if (userCount > userPropertiesCountMax) r.fail(`${userCount} user properties, more than ${userPropertiesCountMax}`);
  const m = keep && userCount > 0 ? new Map<string, string>() : null;
  let previous: string | null = null;
  for (let k = 0; k < userCount; k++) {
    const name = r.str(stringBytesMax, 'user property name');
    // Sorted and unique: one encoding per map, so replicas and re-encodings agree byte for byte.
    if (previous !== null && !(name > previous)) r.fail('user properties not sorted or duplicated');
    previous = name;
    if (m !== null) m.set(name, r.str(stringBytesMax, 'user property value'));
    else r.skipStr(stringBytesMax, 'user property value');
  }
  r.expectEnd();
  return m ?? noUser;
}
