// Group commit at the message level: sends that arrive in one turn of the event loop for the
// same topic (and, for FIFO groups, the same queue) share one log entry. The Raft log, the
// fsync, the replication message and the apply loop then pay once per entry instead of once
// per message — with 64 clients each sending one message, that is 64 times less overhead.
//
// Order: messages join their batch in arrival order and batches are proposed in the order
// they were opened, so a FIFO group's messages are stored in the order the broker took them.
//
// Results go to a sink slot, not a promise per message: a request of 64 messages waits on one
// promise (SendService's SendGroup), and the batcher allocates nothing per message but its
// place in three arrays.

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

/** Where a message's result goes: slot `slot` of a sink, exactly once (a result or an error). */
export interface ResultSink<R> {
  stored(slot: number, r: R): void;
  failed(slot: number, err: unknown): void;
}

interface OpenBatch<R> {
  readonly target: BatchTarget;
  readonly messages: MessageInput[];
  readonly sinks: ResultSink<R>[];
  readonly slots: number[];
  bytes: number;
}

export class EntryBatcher<R> {
  private readonly batches = new TurnBatches<OpenBatch<R>>((b) => this.propose(b));
  /** The joining message's size and target, for the two callbacks below (made once, not per add). */
  private joiningBytes = 0;
  private joiningTarget: BatchTarget | null = null;
  private readonly fits = (open: OpenBatch<R>): boolean =>
    open.messages.length < entryMessagesMax && open.bytes + this.joiningBytes <= entryMessageBytesMax;
  private readonly open = (): OpenBatch<R> => ({ target: this.joiningTarget!, messages: [], sinks: [], slots: [], bytes: 0 });

  constructor(private readonly proposeBatch: ProposeBatch<R>) {}

  /** Adds `m` to the open batch of `target`; its result goes to `sink` at `slot`. */
  addTo(target: BatchTarget, m: MessageInput, bytes: number, sink: ResultSink<R>, slot: number): void {
    assert(Number.isInteger(bytes) && bytes >= 0, `message bytes ${bytes}`);
    this.joiningBytes = bytes;
    this.joiningTarget = target;
    const b = this.batches.take(batchKey(target), this.fits, this.open);
    this.joiningTarget = null;
    b.messages.push(m);
    b.sinks.push(sink);
    b.slots.push(slot);
    b.bytes += bytes;
  }

  /** Resolves with what proposeBatch answered for this message. */
  add(target: BatchTarget, m: MessageInput, bytes: number): Promise<R> {
    return new Promise<R>((resolve, reject) => this.addTo(target, m, bytes, { stored: (_, r) => resolve(r), failed: (_, e) => reject(e) }, 0));
  }

  private propose(b: OpenBatch<R>): void {
    const { sinks, slots } = b;
    this.proposeBatch(b.target, b.messages).then(
      (results) => {
        assert(results.length === sinks.length, `a batch of ${sinks.length} answered ${results.length} results`);
        for (let i = 0; i < sinks.length; i++) sinks[i]!.stored(slots[i]!, results[i]!);
      },
      (err: unknown) => {
        for (let i = 0; i < sinks.length; i++) sinks[i]!.failed(slots[i]!, err);
      },
    );
  }
}

/** One open batch per topic, or per topic and queue for a fixed (FIFO) queue. */
function batchKey(target: BatchTarget): string {
  return target.queueId === null ? `${target.topic}\u0000*` : `${target.topic}\u0000${target.queueId}`;
}
