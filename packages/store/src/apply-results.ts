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

export class ApplyResults {
  /** Result of index i at slot i % capacity: a ring, so recording never allocates. */
  private readonly ring: (ApplyResult | undefined)[];

  constructor(private readonly capacity: number) {
    assert(Number.isInteger(capacity) && capacity >= 1, `capacity ${capacity}`);
    this.ring = new Array(capacity).fill(undefined);
  }

  record(r: ApplyResult): void {
    this.ring[r.index % this.capacity] = r;
  }

  get(index: number): ApplyResult | undefined {
    const r = this.ring[index % this.capacity];
    return r !== undefined && r.index === index ? r : undefined;
  }

  clear(): void {
    this.ring.fill(undefined);
  }
}
