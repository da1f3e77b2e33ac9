// Reads messages out of the committed log: by queue range (through the ConsumeQueue), by
// physical offset, and by store-time range (binary search on each queue's store times). Bodies
// are views into the entry the log returned (no further copy). Reads never go past the applied
// index: ConsumeQueues hold only applied entries, and the entry search is bounded by it.
//
// Finding the entry of a physical offset: one search of the log's in-memory index of entry
// positions, then one `readEntry()` call, which the log serves from its cache of recent entries
// or from a read-ahead window (one read for the next entries of the queue). An entry the log has
// just checked against its CRC (which covers every record byte) is not checked again per
// message. The ConsumeQueue records of a queue read are read ahead too (queueReadAheadRecords).

import type { Entry } from '@ledgermq/raft';
import { EntryType } from '@ledgermq/raft';
import { assert } from './assert.ts';
import { ByteReader } from './byte-reader.ts';
import { CommandKind } from './command-kind.ts';
import { queryResultsDefault, queryResultsMax, queueReadAheadRecords, readBytesDefault, readMessagesMax } from './constants.ts';
import type { ConsumeQueue } from './consume-queue.ts';
import { cqPhysicalOffset, cqRecordBytes, cqSize, cqTagHash, type CqRecord } from './cq-record.ts';
import { MessageNotFoundError } from './errors.ts';
import { type BatchHeader, decodeBatchHeader, decodeMessageAt, decodeRecordAt } from './message-codec.ts';
import type { IndexHit } from './message-index.ts';
import type { StoredMessage } from './message.ts';
import { hashMayMatch, tagMatches, type TagFilter } from './tag-filter.ts';

/** What the store needs from the log. A Ledger satisfies it. */
export interface StoreLog {
  location(index: number): { readonly pos: number; readonly size: number };
  /** location(index).pos, without an object. */
  positionOf(index: number): number;
  /** Index of the entry whose bytes hold `pos`; null when none does (below the first, padding, past the last). */
  entryIndexAt(pos: number): number | null;
  /** One entry; `checked` when its CRCs were verified on this read (from disk). */
  readEntry(index: number): { readonly entry: Entry; readonly checked: boolean };
  firstIndex(): number;
  lastIndex(): number;
}

export interface ReaderDeps {
  readonly log: StoreLog;
  readonly headerBytes: number;
  /** Index of the last applied entry (in memory). */
  readonly appliedIndex: () => number;
  readonly queue: (topic: string, queueId: number) => ConsumeQueue | undefined;
  /** Every queue of a topic. */
  readonly queuesOf: (topic: string) => ConsumeQueue[];
}

export const ReadStatus = {
  Found: 'found',
  /** Records were scanned but none matched the tag filter: continue from nextOffset. */
  NoMatchedMessage: 'no-matched-message',
  NoNewMessage: 'no-new-message',
  /** The offset is below the queue's minimum (retention or a restored snapshot): use nextOffset. */
  OffsetMoved: 'offset-moved',
  OffsetOverflow: 'offset-overflow',
  NoQueue: 'no-queue',
} as const;
export type ReadStatus = (typeof ReadStatus)[keyof typeof ReadStatus];

export interface QueueMessage {
  readonly queueOffset: number;
  readonly physicalOffset: number;
  readonly message: StoredMessage;
}

export interface ReadResult {
  readonly status: ReadStatus;
  readonly messages: readonly QueueMessage[];
  /** Where the next read should start. */
  readonly nextOffset: number;
  readonly minOffset: number;
  readonly maxOffset: number;
}

export interface ReadOptions {
  readonly countMax?: number;
  readonly bytesMax?: number;
  readonly filter?: TagFilter | null;
}

/** ConsumeQueue records scanned per read at most (a selective tag filter must not scan forever). */
const scanRecordsMax = 4096;
const chunkRecords = 256;
const noRecords = Buffer.alloc(0);

interface CachedEntry {
  readonly index: number;
  readonly pos: number;
  /** Position of the entry's first body byte (pos + header). */
  readonly bodyPos: number;
  readonly end: number;
  readonly data: Uint8Array;
  readonly header: BatchHeader;
  /** The log verified the entry's CRC on this read: record bodies need no second check. */
  readonly checked: boolean;
}

export class MessageReader {
  private cached: CachedEntry | null = null;
  /** Decodes the cached entry's header and records (one reader, moved from entry to entry). */
  private readonly bytes = new ByteReader(new Uint8Array(0), 'message batch');
  /**
   * ConsumeQueue records read ahead by the last queue read: records [recordsStart, ...) of
   * recordsQueue. A record below a queue's next offset never changes while the queue object
   * lives (queues only append and retire whole files below their minimum, which readQueue
   * checks first), so they stay valid until forget().
   */
  private recordsQueue: ConsumeQueue | null = null;
  private recordsStart = 0;
  private records: Buffer = noRecords;

  constructor(private readonly deps: ReaderDeps) {}

  /** Drops the cached entry and records (the log was replaced by a snapshot install). */
  forget(): void {
    this.cached = null;
    this.recordsQueue = null;
    this.records = noRecords;
  }

  readQueue(topic: string, queueId: number, offset: number, opts: ReadOptions = {}): ReadResult {
    const countMax = opts.countMax ?? 32;
    const bytesMax = opts.bytesMax ?? readBytesDefault;
    const filter = opts.filter ?? null;
    if (!(Number.isInteger(countMax) && countMax >= 1 && countMax <= readMessagesMax)) assert(false, `countMax ${countMax} outside [1, ${readMessagesMax}]`);
    assert(bytesMax >= 1, 'bytesMax must be >= 1');
    const q = this.deps.queue(topic, queueId);
    if (!q) return { status: ReadStatus.NoQueue, messages: [], nextOffset: 0, minOffset: 0, maxOffset: 0 };
    const min = q.minOffset();
    const max = q.nextOffset();
    if (offset < min) return answer(q, ReadStatus.OffsetMoved, min);
    if (offset > max) return answer(q, ReadStatus.OffsetOverflow, max);
    if (offset === max) return answer(q, ReadStatus.NoNewMessage, max);
    const out: QueueMessage[] = [];
    let bytes = 0;
    let at = offset;
    while (at < max && at - offset < scanRecordsMax && out.length < countMax) {
      const n = Math.min(filter === null ? countMax - out.length : chunkRecords, max - at);
      const j0 = this.recordsAt(q, at, n, max);
      const raw = this.records;
      for (let j = j0; j < j0 + n; j++) {
        const size = cqSize(raw, j);
        if (out.length >= countMax || (out.length > 0 && bytes + size > bytesMax)) return answer(q, ReadStatus.Found, at, out);
        if (hashMayMatch(filter, cqTagHash(raw, j))) {
          const physicalOffset = cqPhysicalOffset(raw, j);
          const m = this.messageAt(physicalOffset, true);
          if (m === null) return out.length > 0 ? answer(q, ReadStatus.Found, at, out) : this.movedPast(q, at);
          if (m !== undefined && tagMatches(filter, m.properties.tags)) {
            out.push({ queueOffset: at, physicalOffset, message: m });
            bytes += size;
          }
        }
        at += 1;
      }
    }
    return answer(q, out.length > 0 ? ReadStatus.Found : ReadStatus.NoMatchedMessage, at, out);
  }

  /**
   * Makes this.records hold q's records [at, at + n) (n <= max - at) and returns where they
   * start in it (in records): the records read ahead when they cover them, else one read of at
   * least queueReadAheadRecords (bounded by the queue's end).
   */
  private recordsAt(q: ConsumeQueue, at: number, n: number, max: number): number {
    const held = this.records.length / cqRecordBytes;
    if (this.recordsQueue === q && at >= this.recordsStart && at + n <= this.recordsStart + held) return at - this.recordsStart;
    this.records = q.readRecords(at, Math.min(Math.max(n, queueReadAheadRecords), max - at));
    this.recordsQueue = q;
    this.recordsStart = at;
    return 0;
  }

  /** The message stored at a physical offset; MessageNotFoundError if none starts there. */
  readByPhysicalOffset(physicalOffset: number): StoredMessage {
    const m = this.messageAt(physicalOffset, false);
    if (!m) throw new MessageNotFoundError(`no message at physical offset ${physicalOffset}`);
    return m;
  }

  /**
   * First queue offset whose message was stored at or after `timestampMs` (nextOffset if none).
   * Binary search: store times are stamped by the leader and grow with the log except across a
   * leader change with clock skew, where the answer may be a few messages early or late.
   */
  offsetForTimestamp(topic: string, queueId: number, timestampMs: number): number | null {
    const q = this.deps.queue(topic, queueId);
    if (!q) return null;
    return this.firstStoredAtOrAfter(q, timestampMs);
  }

  /**
   * Messages of `topic` stored in [beginMs, endMs), newest first, at most `limit`: per queue a
   * binary search for the end, then a walk back to the begin. Retention needs nothing here:
   * the queues' min offsets already follow the log.
   */
  byTimeRange(topic: string, beginMs: number, endMs: number, limit = queryResultsDefault): IndexHit[] {
    assert(beginMs <= endMs, `time range [${beginMs}, ${endMs}) is reversed`);
    assert(Number.isInteger(limit) && limit >= 1 && limit <= queryResultsMax, `limit ${limit} outside [1, ${queryResultsMax}]`);
    const hits: IndexHit[] = [];
    for (const q of this.deps.queuesOf(topic)) {
      const end = this.firstStoredAtOrAfter(q, endMs);
      // Bounded: at most `limit` records per queue.
      for (let o = end - 1, taken = 0; o >= q.minOffset() && taken < limit; o--, taken++) {
        const r = q.get(o);
        const storeTimestampMs = this.storeTimeOf(q, r);
        if (storeTimestampMs === null || storeTimestampMs < beginMs) break;
        hits.push({ topic, queueId: q.queueId, queueOffset: o, physicalOffset: r.physicalOffset, size: r.size, storeTimestampMs });
      }
    }
    return hits.sort((a, b) => b.physicalOffset - a.physicalOffset).slice(0, limit);
  }

  private firstStoredAtOrAfter(q: ConsumeQueue, timestampMs: number): number {
    return q.lowerBound((_, r) => {
      const t = this.storeTimeOf(q, r);
      // A message retention already removed counts as older than any timestamp.
      return t !== null && t >= timestampMs;
    });
  }

  /** The store time of a record's message (its entry's), or null when the log no longer holds it. */
  private storeTimeOf(q: ConsumeQueue, r: CqRecord): number | null {
    const e = this.entryHolding(r.physicalOffset);
    if (e === undefined) throw new MessageNotFoundError(`queue ${q.topic}/${q.queueId} names a physical offset ${r.physicalOffset} that holds no message`);
    return e === null ? null : e.header.storeTimestampMs;
  }

  /**
   * null: the log no longer holds it (retention); undefined: no message starts there. A
   * ConsumeQueue record is `trusted` to name a record start (apply wrote it); any other offset
   * is checked against the entry's record framing first.
   */
  private messageAt(physicalOffset: number, trusted: boolean): StoredMessage | null | undefined {
    const e = this.entryHolding(physicalOffset);
    if (e === null || e === undefined) return e;
    const at = physicalOffset - e.bodyPos;
    if (at < e.header.recordsOffsetBytes) return undefined;
    if (trusted) return decodeRecordAt(e.data, e.header, at, !e.checked, this.bytes);
    try {
      return decodeMessageAt(e.data, at);
    } catch {
      return undefined;
    }
  }

  private entryHolding(physicalOffset: number): CachedEntry | null | undefined {
    const c = this.cached;
    if (c !== null && physicalOffset >= c.pos && physicalOffset < c.end && c.index >= this.deps.log.firstIndex() && c.index <= this.deps.appliedIndex()) return c;
    const index = this.locate(physicalOffset);
    if (index === null || index === undefined) return index;
    const { entry, checked } = this.deps.log.readEntry(index);
    if (entry.index !== index) assert(false, `the log did not return entry ${index}`);
    if (entry.type !== EntryType.Normal || entry.data[0] !== CommandKind.MessageBatch) return undefined;
    const header = decodeBatchHeader(entry.data, this.bytes);
    // The log checked the entry's size against its index when it read it (or holds it as appended).
    const pos = this.deps.log.positionOf(index);
    const bodyPos = pos + this.deps.headerBytes;
    this.cached = { index, pos, bodyPos, end: bodyPos + entry.data.length, data: entry.data, header, checked };
    return this.cached;
  }

  /**
   * Index of the applied entry holding `pos`; null when pos is below the log's first entry (or
   * the log holds no applied entry), undefined when it falls in no entry (padding, or past).
   */
  private locate(pos: number): number | null | undefined {
    const log = this.deps.log;
    // One search of the log's in-memory index (a gallop from the entry it found last), instead
    // of a search here through positionOf() calls that cost a bounds check each.
    const index = log.entryIndexAt(pos);
    const applied = this.deps.appliedIndex();
    if (index !== null && index <= applied) return index;
    const first = log.firstIndex();
    if (Math.min(applied, log.lastIndex()) < first || pos < log.positionOf(first)) return null;
    return undefined;
  }

  private movedPast(q: ConsumeQueue, at: number): ReadResult {
    const log = this.deps.log;
    const firstPos = log.positionOf(log.firstIndex());
    const next = Math.max(at + 1, q.lowerBound((_, r) => r.physicalOffset >= firstPos));
    return { status: ReadStatus.OffsetMoved, messages: [], nextOffset: next, minOffset: q.minOffset(), maxOffset: q.nextOffset() };
  }
}

function answer(q: ConsumeQueue, status: ReadStatus, nextOffset: number, messages: QueueMessage[] = []): ReadResult {
  return { status, messages, nextOffset, minOffset: q.minOffset(), maxOffset: q.nextOffset() };
}
