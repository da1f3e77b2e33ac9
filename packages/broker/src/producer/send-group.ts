// The outcomes of one request's messages. Slots are filled one by one — by the EntryBatcher
// once an entry is applied, by an index look-up that found an earlier attempt, or by a retry
// joining an attempt still in flight — and the group settles once every slot has its outcome.
// One promise per request instead of several per message: at 64 messages per request the
// per-message promises and async frames were most of what the send path allocated.

import { assert } from '../assert.ts';
import { InternalError } from '../errors.ts';
import type { ResultSink } from './entry-batcher.ts';

/** Where one message of a batch landed. */
export interface Stored {
  readonly queueId: number;
  readonly queueOffset: number;
  readonly physicalOffset: number;
}

export interface SendResult extends Stored {
  readonly messageId: string;
  readonly topic: string;
}

/** What became of one message: where it is stored, or why it is not. */
export type SendOutcome = SendResult | Error;

/** One message of a request, with the topic it is stored in (a system topic for delay / transaction halves). */
export interface SendItem {
  readonly id: string;
  readonly topic: string;
}

export class SendGroup implements ResultSink<Stored> {
  private readonly outcomes: (SendOutcome | undefined)[];
  /** Slots that repeat an earlier slot's message (same id and topic): [slot, earlier slot]. */
  private copies: [number, number][] | null = null;
  private left: number;
  private finish: ((outcomes: SendOutcome[]) => void) | null = null;
  readonly done: Promise<SendOutcome[]>;

  constructor(private readonly items: readonly SendItem[]) {
    this.outcomes = new Array<SendOutcome | undefined>(items.length);
    this.left = items.length;
    this.done = new Promise((resolve) => (this.finish = resolve));
    if (this.left === 0) this.complete();
  }

  stored(slot: number, s: Stored): void {
    const item = this.items[slot]!;
    this.settle(slot, { messageId: item.id, topic: item.topic, queueId: s.queueId, queueOffset: s.queueOffset, physicalOffset: s.physicalOffset });
  }

  failed(slot: number, err: unknown): void {
    this.settle(slot, err instanceof Error ? err : new InternalError(`send failed: ${String(err)}`));
  }

  settle(slot: number, outcome: SendOutcome): void {
    assert(slot >= 0 && slot < this.outcomes.length && this.outcomes[slot] === undefined, `slot ${slot} settled twice or out of range`);
    this.outcomes[slot] = outcome;
    this.left -= 1;
    if (this.left === 0) this.complete();
  }

  /** `slot` gets whatever `earlier` gets (a message repeated within one request). */
  copy(slot: number, earlier: number): void {
    assert(earlier < slot && this.outcomes[slot] === undefined, `slot ${slot} cannot copy slot ${earlier}`);
    (this.copies ??= []).push([slot, earlier]);
    this.left -= 1;
    if (this.left === 0) this.complete();
  }

  /** Whether `slot` has its outcome already (settled directly; copies fill in at the end). */
  settled(slot: number): boolean {
    return this.outcomes[slot] !== undefined;
  }

  private complete(): void {
    for (const [slot, earlier] of this.copies ?? []) this.outcomes[slot] = this.outcomes[earlier];
    assert(this.outcomes.every((o) => o !== undefined), 'a send group completed with a slot unfilled');
    const finish = this.finish!;
    this.finish = null;
    finish(this.outcomes as SendOutcome[]);
  }
}
