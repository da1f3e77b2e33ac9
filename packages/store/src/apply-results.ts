// What applying each entry did, kept for the broker to resolve a send promise by index.
// Bounded: the oldest results are forgotten first (a proposer waits only a short time).

import { assert } from './assert.ts';
import type { CommandKind } from './command-kind.ts';
import { encodeOffsetMessageId } from './message-id.ts';

export interface AppliedMessage {
  readonly queueOffset: number;
  readonly physicalOffset: number;
  readonly size: number;
  /** The client's id (UNIQ_KEY), when it sent one. */
  readonly uniqKey: string | null;
  /** The broker's offset id, when the store host is IPv4:port. */
  readonly offsetMsgId: string | null;
}

/**
 * One applied message as apply records it: the offset id is built only when asked for (the
 * broker's send path formats its own; a string of 32 hex characters per applied message was
 * a measurable part of apply).
 */
export class AppliedRecord implements AppliedMessage {
  constructor(
    readonly queueOffset: number,
    readonly physicalOffset: number,
    readonly size: number,
    readonly uniqKey: string | null,
    /** The store host when it is IPv4:port (an offset id can carry it), else null. */
    private readonly offsetIdHost: string | null,
  ) {}

  get offsetMsgId(): string | null {
    return this.offsetIdHost === null ? null : encodeOffsetMessageId(this.offsetIdHost, this.physicalOffset);
  }
}

export const RejectReason = { TopicNotFound: 'topic-not-found', QueueNotFound: 'queue-not-found', NotWritable: 'not-writable' } as const;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

export const CommandOutcome = { Ok: 'ok', Exists: 'exists', NotFound: 'not-found' } as const;
export type CommandOutcome = (typeof CommandOutcome)[keyof typeof CommandOutcome];

export type ApplyResult =
  | { readonly type: 'messages'; readonly index: number; readonly topic: string; readonly queueId: number; readonly messages: readonly AppliedMessage[] }
  | { readonly type: 'rejected'; readonly index: number; readonly topic: string; readonly queueId: number; readonly reason: RejectReason }
  | { readonly type: 'command'; readonly index: number; readonly kind: CommandKind; readonly outcome: CommandOutcome }
  /** NoOp and ConfChange entries: nothing for the store, but the applied index moves. */
  | { readonly type: 'skipped'; readonly index: number };

/**
 * Results of the entries a proposer waits for: expect() names an index before its entry can be
 * applied (right after it was proposed), record() keeps a result only when its index was
 * expected, and take() hands it over once. Keeping every entry's result instead held the last
 * 65,536 entries' results on every node, a follower's too: with 64 messages an entry, millions
 * of objects that no one would read, and that every major GC had to mark.
 * Bounded: at most `capacity` expected indexes (the oldest forgotten first) and a ring of
 * `capacity` results (a result not taken is overwritten when the ring wraps).
 */
export class ApplyResults {
  /** Result of index i at slot i % capacity. */
  private readonly ring: (ApplyResult | undefined)[];
  /** Expected indexes not yet applied, oldest first (a Set keeps insertion order). */
  private readonly expected = new Set<number>();

  constructor(private readonly capacity: number) {
    assert(Number.isInteger(capacity) && capacity >= 1, `capacity ${capacity}`);
    this.ring = new Array(capacity).fill(undefined);
  }

  /** A proposer will take the result of entry `index`. */
  expect(index: number): void {
    assert(Number.isSafeInteger(index) && index >= 1, `index ${index}`);
    this.expected.add(index);
    if (this.expected.size > this.capacity) this.expected.delete(this.expected.values().next().value!);
  }

  record(r: ApplyResult): void {
    if (this.expected.delete(r.index)) this.ring[r.index % this.capacity] = r;
  }

  /** The result of entry `index`, once: undefined when it was not expected, not applied yet, or taken. */
  take(index: number): ApplyResult | undefined {
    const slot = index % this.capacity;
    const r = this.ring[slot];
    if (r === undefined || r.index !== index) return undefined;
    this.ring[slot] = undefined;
    return r;
  }

  /** Results held (tests: what is kept must be what someone waits for). */
  get size(): number {
    let n = 0;
    for (const r of this.ring) if (r !== undefined) n++;
    return n;
  }

  clear(): void {
    this.ring.fill(undefined);
  }
}
