// What applying each entry did, kept for the broker to resolve a send promise by index.
// Bounded: the oldest results are forgotten first (a proposer waits only a short time).

import { assert } from './assert.ts';
import type { CommandKind } from './command-kind.ts';

export interface AppliedMessage {
  readonly queueOffset: number;
  readonly physicalOffset: number;
  readonly size: number;
  /** The client's id (UNIQ_KEY), when it sent one. */
  readonly uniqKey: string | null;
  /** The broker's offset id, when the store host is IPv4:port. */
  readonly offsetMsgId: string | null;
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
  private readonly byIndex = new Map<number, ApplyResult>();

  constructor(private readonly capacity: number) {
    assert(Number.isInteger(capacity) && capacity >= 1, `capacity ${capacity}`);
  }

  record(r: ApplyResult): void {
    this.byIndex.set(r.index, r);
    // Maps iterate in insertion order: the first key is the oldest result.
    while (this.byIndex.size > this.capacity) this.byIndex.delete(this.byIndex.keys().next().value!);
  }

  get(index: number): ApplyResult | undefined {
    return this.byIndex.get(index);
  }

  clear(): void {
    this.byIndex.clear();
  }
}
