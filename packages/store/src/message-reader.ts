// Reads messages out of the committed log: by queue range (through the ConsumeQueue) and by
// physical offset. Bodies are views into the entry the log returned (no further copy). Reads
// never go past the applied index: ConsumeQueues hold only applied entries, and the entry
// search is bounded by lastApplied.

import type { Entry } from '@ledgermq/raft';
import { EntryType } from '@ledgermq/raft';
import { assert } from './assert.ts';
import { CommandKind } from './command-kind.ts';
import { readBytesDefault, readMessagesMax } from './constants.ts';
import type { ConsumeQueue } from './consume-queue.ts';
import type { CqRecord } from './cq-record.ts';
import { MessageNotFoundError } from './errors.ts';
import { decodeMessageBatch } from './message-codec.ts';
import type { StoredMessage } from './message.ts';
import { hashMayMatch, tagMatches, type TagFilter } from './tag-filter.ts';

/** What the store needs from the log. A Ledger satisfies it. */
export interface StoreLog {
  location(index: number): { readonly pos: number; readonly size: number };
  readAt(pos: number): Entry;
  firstIndex(): number;
}

export interface ReaderDeps {
  readonly log: StoreLog;
  readonly headerBytes: number;
  /** Index of the last applied entry (in memory). */
  readonly appliedIndex: () => number;
  readonly queue: (topic: string, queueId: number) => ConsumeQueue | undefined;
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

interface CachedEntry {
  readonly pos: number;
  readonly end: number;
  readonly byRecordOffset: ReadonlyMap<number, StoredMessage>;
}

export class MessageReader {
  private cached: CachedEntry | null = null;

  constructor(private readonly deps: ReaderDeps) {}

  readQueue(topic: string, queueId: number, offset: number, opts: ReadOptions = {}): ReadResult {
    const countMax = opts.countMax ?? 32;
    const bytesMax = opts.bytesMax ?? readBytesDefault;
    assert(Number.isInteger(countMax) && countMax >= 1 && countMax <= readMessagesMax, `countMax ${countMax} outside [1, ${readMessagesMax}]`);
    assert(bytesMax >= 1, 'bytesMax must be >= 1');
    const q = this.deps.queue(topic, queueId);
    if (!q) return { status: ReadStatus.NoQueue, messages: [], nextOffset: 0, minOffset: 0, maxOffset: 0 };
    const min = q.minOffset();
    const max = q.nextOffset();
    const answer = (status: ReadStatus, nextOffset: number, messages: QueueMessage[] = []): ReadResult => ({ status, messages, nextOffset, minOffset: q.minOffset(), maxOffset: max });
    if (offset < min) return answer(ReadStatus.OffsetMoved, min);
    if (offset > max) return answer(ReadStatus.OffsetOverflow, max);
    if (offset === max) return answer(ReadStatus.NoNewMessage, max);
    const out: QueueMessage[] = [];
    let bytes = 0;
    let at = offset;
    while (at < max && at - offset < scanRecordsMax && out.length < countMax) {
      const records = q.read(at, Math.min(chunkRecords, max - at));
      for (const r of records) {
        if (out.length >= countMax || (out.length > 0 && bytes + r.size > bytesMax)) return answer(ReadStatus.Found, at, out);
        const m = hashMayMatch(opts.filter ?? null, r.tagHash) ? this.messageOf(r) : undefined;
        if (m === null) return out.length > 0 ? answer(ReadStatus.Found, at, out) : this.movedPast(q, at);
        if (m && tagMatches(opts.filter ?? null, m.properties.tags)) {
          out.push({ queueOffset: at, physicalOffset: r.physicalOffset, message: m });
          bytes += r.size;
        }
        at += 1;
      }
    }
    return answer(out.length > 0 ? ReadStatus.Found : ReadStatus.NoMatchedMessage, at, out);
  }

  /** The message stored at a physical offset; MessageNotFoundError if none starts there. */
  readByPhysicalOffset(physicalOffset: number): StoredMessage {
    const m = this.messageOf({ physicalOffset, size: 0, tagHash: 0 });
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
    return q.lowerBound((_, r) => {
      const m = this.messageOf(r);
      if (m === undefined) throw new MessageNotFoundError(`queue ${topic}/${queueId} names a physical offset ${r.physicalOffset} that holds no message`);
      // A message retention already removed counts as older than any timestamp.
      return m !== null && m.storeTimestampMs >= timestampMs;
    });
  }

  /** null: the log no longer holds it (retention); undefined: no message starts there. */
  private messageOf(r: CqRecord): StoredMessage | null | undefined {
    const e = this.entryHolding(r.physicalOffset);
    if (e === null || e === undefined) return e;
    return e.byRecordOffset.get(r.physicalOffset - e.pos - this.deps.headerBytes);
  }

  private entryHolding(physicalOffset: number): CachedEntry | null | undefined {
    const c = this.cached;
    if (c && physicalOffset >= c.pos && physicalOffset < c.end) return c;
    const log = this.deps.log;
    let lo = log.firstIndex();
    let hi = this.deps.appliedIndex();
    if (hi < lo) return null;
    if (physicalOffset < log.location(lo).pos) return null;
    // Largest index whose entry starts at or before the offset.
    while (lo < hi) {
      const mid = lo + Math.ceil((hi - lo) / 2);
      if (log.location(mid).pos <= physicalOffset) lo = mid;
      else hi = mid - 1;
    }
    const loc = log.location(lo);
    if (physicalOffset >= loc.pos + loc.size) return undefined;
    const entry = log.readAt(loc.pos);
    if (entry.type !== EntryType.Normal || entry.data[0] !== CommandKind.MessageBatch) return undefined;
    const byRecordOffset = new Map<number, StoredMessage>();
    for (const m of decodeMessageBatch(entry.data)) byRecordOffset.set(m.recordOffsetBytes, m);
    this.cached = { pos: loc.pos, end: loc.pos + loc.size, byRecordOffset };
    return this.cached;
  }

  private movedPast(q: ConsumeQueue, at: number): ReadResult {
    const log = this.deps.log;
    const firstPos = log.location(log.firstIndex()).pos;
    const next = Math.max(at + 1, q.lowerBound((_, r) => r.physicalOffset >= firstPos));
    return { status: ReadStatus.OffsetMoved, messages: [], nextOffset: next, minOffset: q.minOffset(), maxOffset: q.nextOffset() };
  }
}
