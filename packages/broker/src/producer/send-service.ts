// Sending on the leader: pick the queue, propose the message, wait until it is committed on a
// quorum (fsynced) and applied here, answer with its queue offset. Sends of one event-loop turn
// to one topic share a log entry (EntryBatcher); a non-FIFO batch gets the next queue round robin.
//
// Idempotent producer: retries reuse the client's message id. A send whose id is already
// stored in the topic answers with the stored result; one whose first attempt is still in
// flight here waits for that attempt. The index look-up is skipped when the stored-id filter
// is certain the id is new (nearly every first attempt). Across a failover this holds because a new leader
// serves sends only after applying every entry committed before its term (readyForReads):
// an earlier attempt that committed is then in the index.

import { encodeMessageBatch, Perm, type ApplyResult, type IndexHit, type MessageBatch, type MessageInput, type TopicConfig } from '@ledgermq/store';
import { assert } from '../assert.ts';
import { BadRequestError, BusyError, InternalError, NoLeaderError, TopicNotFoundError, UnknownOutcomeError } from '../errors.ts';
import type { IncomingMessage } from '../v2/message-convert.ts';
import { EntryBatcher, type BatchTarget } from './entry-batcher.ts';
import { groupQueue, QueueSelector } from './queue-selector.ts';

/** Where one message of a batch landed. */
interface Stored {
  readonly queueId: number;
  readonly queueOffset: number;
  readonly physicalOffset: number;
}

export interface SendResult {
  readonly messageId: string;
  readonly topic: string;
  readonly queueId: number;
  readonly queueOffset: number;
  readonly physicalOffset: number;
}

export interface SendDeps {
  /** Proposes an entry body; resolves once committed and applied on this node. */
  readonly propose: (body: Uint8Array) => Promise<{ index: number; term: number }>;
  /** The result of an entry proposed through `propose`, once (the store keeps it until then). */
  readonly takeResult: (index: number) => ApplyResult | undefined;
  readonly lookupUniqKey: (uniqKey: string) => Promise<IndexHit[]>;
  /** False only when no message with this id is stored (synchronous; see StoredIdFilter). */
  readonly mightBeStored: (uniqKey: string) => boolean;
  /** The topic's config, creating it (auto-create) when allowed; undefined when unknown. */
  readonly topicForWrite: (topic: string) => Promise<TopicConfig | undefined>;
  readonly storeHost: string;
  readonly nowMs: () => number;
  /** Monotonic milliseconds (performance.now by default): how long sends have been waiting. */
  readonly monotonicMs?: () => number;
}

/** Sends waiting for their commit at once; beyond this the broker answers "too many requests". */
export const pendingSendsMax = 65_536;
/**
 * Fast failure (RocketMQ's brokerFastFailureEnable / waitTimeMillsInSendQueue, which is 200 ms
 * of queueing there): while the oldest send in flight here has waited longer than this for its
 * commit, a client's new send is refused at once with 42900, a definite "not stored" the client
 * may retry, instead of joining a queue whose sends end in the ambiguous 10 s proposal timeout
 * (and after the official client's own 3 s deadline). Longer than a commit takes under heavy
 * but sustainable load.
 */
export const sendCommitWaitMsMax = 1_000;

export class SendService {
  /** Sends in flight here, oldest first (a Map keeps insertion order), with when each came. */
  private readonly pending = new Map<string, { readonly result: Promise<SendResult>; readonly sinceMs: number }>();
  private readonly monotonicMs: () => number;
  private readonly selector = new QueueSelector();
  private readonly batcher = new EntryBatcher<Stored>((target, messages) => this.proposeBatch(target, messages));

  constructor(private readonly deps: SendDeps) {
    this.monotonicMs = deps.monotonicMs ?? (() => performance.now());
  }

  /**
   * A client's send: refused with 42900 while this node is behind (see sendCommitWaitMsMax),
   * except a retry of a send still in flight, which joins its first attempt.
   */
  async sendFromClient(m: IncomingMessage, topic = m.topic): Promise<SendResult> {
    const key = pendingKey(topic, m);
    if (!this.pending.has(key)) {
      const waitedMs = this.oldestWaitMs();
      if (waitedMs > sendCommitWaitMsMax) {
        throw new BusyError(`broker busy: a send has waited ${Math.round(waitedMs)} ms for its commit (fast failure above ${sendCommitWaitMsMax} ms); retry later`);
      }
    }
    return this.sendKeyed(key, m, topic);
  }

  /**
   * Stores `m` in `topic` (the target topic, or a system topic for delay / transaction halves).
   * The broker's own sends (timer releases, transaction commits, dead letters) come here
   * directly: they are never shed.
   */
  send(m: IncomingMessage, topic = m.topic): Promise<SendResult> {
    return this.sendKeyed(pendingKey(topic, m), m, topic);
  }

  private async sendKeyed(key: string, m: IncomingMessage, topic: string): Promise<SendResult> {
    const id = m.input.properties.uniqKey;
    assert(id !== null, 'validated messages carry an id');
    const inFlight = this.pending.get(key);
    if (inFlight !== undefined) return inFlight.result;
    if (this.pending.size >= pendingSendsMax) throw new BusyError(`${pendingSendsMax} sends are waiting for their commit`);
    const result = this.sendOnce(m, topic, id).finally(() => this.pending.delete(key));
    this.pending.set(key, { result, sinceMs: this.monotonicMs() });
    return result;
  }

  /** How long the oldest send in flight here has waited (0 when none). */
  oldestWaitMs(): number {
    for (const p of this.pending.values()) return this.monotonicMs() - p.sinceMs;
    return 0;
  }

  private async sendOnce(m: IncomingMessage, topic: string, id: string): Promise<SendResult> {
    const stored = this.deps.mightBeStored(id) ? (await this.deps.lookupUniqKey(id)).find((h) => h.topic === topic) : undefined;
    if (stored !== undefined) return { messageId: id, topic, queueId: stored.queueId, queueOffset: stored.queueOffset, physicalOffset: stored.physicalOffset };
    const config = await this.deps.topicForWrite(topic);
    if (config === undefined) throw new TopicNotFoundError(topic);
    if ((config.perm & Perm.Write) === 0) throw new BadRequestError(`topic ${topic} is not writable`);
    const group = m.input.properties.messageGroup;
    const queueId = group === null ? null : groupQueue(group, config.writeQueueNums);
    const a = await this.batcher.add({ topic, queueId, writeQueueNums: config.writeQueueNums }, m.input, m.input.body.length);
    return { messageId: id, topic, queueId: a.queueId, queueOffset: a.queueOffset, physicalOffset: a.physicalOffset };
  }

  /** One entry for the batch; answers each message's place in its queue. */
  private async proposeBatch(target: BatchTarget, messages: readonly MessageInput[]): Promise<Stored[]> {
    const { topic } = target;
    const queueId = target.queueId ?? this.selector.select(target.writeQueueNums, null);
    const batch: MessageBatch = { topic, queueId, storeHost: this.deps.storeHost, storeTimestampMs: this.deps.nowMs(), messages };
    const what = messages.length === 1 ? `send of ${messages[0]!.properties.uniqKey}` : `a batch of ${messages.length} sends`;
    let index: number;
    try {
      ({ index } = await this.deps.propose(encodeMessageBatch(batch)));
    } catch (err) {
      const e = err as Error & { code?: string; retriable?: boolean };
      if (e.code === 'TIMEOUT') throw new UnknownOutcomeError(`${what} timed out; it may still be stored`, { cause: e });
      // The node's pending-proposal bound, or the core's: back-pressure the client may retry.
      if (e.code === 'BUSY' || e.name === 'BusyError') throw new BusyError(e.message, { cause: e });
      if (e.name === 'NotLeaderError' || e.code === 'DROPPED' || e.code === 'STOPPED') throw new NoLeaderError(`${what} not stored: ${e.message}`);
      throw new InternalError(`${what} failed: ${e.message}`, { cause: e });
    }
    const r = this.deps.takeResult(index);
    if (r === undefined) throw new UnknownOutcomeError(`${what}: result of entry ${index} no longer known`);
    if (r.type === 'rejected') throw r.reason === 'topic-not-found' ? new TopicNotFoundError(topic) : new BadRequestError(`send refused by the store: ${r.reason}`);
    assert(r.type === 'messages' && r.messages.length === messages.length, `entry ${index} of ${messages.length} messages applied as ${r.type}`);
    return r.messages.map((a) => ({ queueId: r.queueId, queueOffset: a.queueOffset, physicalOffset: a.physicalOffset }));
  }
}

function pendingKey(topic: string, m: IncomingMessage): string {
  return `${topic}\u0000${m.input.properties.uniqKey}`;
}
