// Group commit at the message level: sends that arrive in one turn of the event loop for the
// same topic (and, for FIFO groups, the same queue) share one log entry. The Raft log, the
// fsync, the replication message and the apply loop then pay once per entry instead of once
// per message — with 64 clients each sending one message, that is 64 times less overhead.
//
// Order: messages join their batch in arrival order and batches are proposed in the order
// they were opened, so a FIFO group's messages are stored in the order the broker took them.

import type { MessageInput } from '@ledgermq/store';
import { assert } from '../assert.ts';
import { entryMessagesMax, entryMessageBytesMax } from '../constants.ts';
import { TurnBatches } from '../turn-batches.ts';

export interface BatchTarget {
  readonly topic: string;
  /** Fixed queue (a FIFO group's); null = the proposer picks one for the whole batch. */
  readonly queueId: number | null;
  /** The topic's write queue count when the batch was opened. */
  readonly writeQueueNums: number;
}

/** Proposes one batch; answers one result per message, in order. */
export type ProposeBatch<R> = (target: BatchTarget, messages: readonly MessageInput[]) => Promise<readonly R[]>;

interface Waiter<R> {
  readonly resolve: (r: R) => void;
  readonly reject: (e: unknown) => void;
}

interface OpenBatch<R> {
  readonly target: BatchTarget;
  readonly messages: MessageInput[];
  readonly waiters: Waiter<R>[];
  bytes: number;
}

export class EntryBatcher<R> {
  private readonly batches = new TurnBatches<OpenBatch<R>>((b) => this.propose(b));

  constructor(private readonly proposeBatch: ProposeBatch<R>) {}

  /** Resolves with what proposeBatch answered for this message. */
  add(target: BatchTarget, m: MessageInput, bytes: number): Promise<R> {
    assert(Number.isInteger(bytes) && bytes >= 0, `message bytes ${bytes}`);
    const key = target.queueId === null ? `${target.topic}\u0000*` : `${target.topic}\u0000${target.queueId}`;
    const b = this.batches.take(
      key,
      (open) => open.messages.length < entryMessagesMax && open.bytes + bytes <= entryMessageBytesMax,
      () => ({ target, messages: [], waiters: [], bytes: 0 }),
    );
    b.messages.push(m);
    b.bytes += bytes;
    return new Promise<R>((resolve, reject) => b.waiters.push({ resolve, reject }));
  }

  private propose(b: OpenBatch<R>): void {
    const { waiters } = b;
    this.proposeBatch(b.target, b.messages).then(
      (results) => {
        assert(results.length === waiters.length, `a batch of ${waiters.length} answered ${results.length} results`);
        waiters.forEach((w, i) => w.resolve(results[i]));
      },
      (err: unknown) => {
        for (const w of waiters) w.reject(err);
      },
    );
  }
}
