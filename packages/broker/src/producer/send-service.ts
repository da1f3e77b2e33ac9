// Sending on the leader: pick the queue, propose the message, wait until it is committed on a
// quorum (fsynced) and applied here, answer with its queue offset. Sends of one event-loop turn
// to one topic share a log entry (EntryBatcher); a non-FIFO batch gets the next queue round robin.
// A request's messages go through together (sendAll): checked in one synchronous pass, joined
// to their entries in request order, answered through one SendGroup.
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
import { SendGroup, type SendItem, type SendOutcome, type SendResult, type Stored } from './send-group.ts';

export type { SendOutcome, SendResult } from './send-group.ts';

/** One message to store, and the topic it goes to (the target topic, or a system topic). */
export interface MessageToSend extends SendItem {
  readonly m: IncomingMessage;
}

export interface SendDeps {
  /** Proposes an entry body; resolves once committed and applied on this node. */
  readonly propose: (body: Uint8Array) => Promise<{ index: number; term: number }>;
  /** The result of an entry proposed through `propose`, once (the store keeps it until then). */
  readonly takeResult: (index: number) => ApplyResult | undefined;
  readonly lookupUniqKey: (uniqKey: string) => Promise<IndexHit[]>;
  /** False only when no message with this id is stored (synchronous; see StoredIdFilter). */
  readonly mightBeStored: (uniqKey: string) => boolean;
  /** The topic's config when it exists (synchronous). */
  readonly topic: (topic: string) => TopicConfig | undefined;
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

/** A send in flight: its group and slot (a retry of it joins there), and since when. */
interface PendingSend {
  readonly group: SendGroup;
  readonly slot: number;
  readonly sinceMs: number;
}

export class SendService {
  /** Sends in flight here, oldest first (a Map keeps insertion order). */
  private readonly pending = new Map<string, PendingSend>();
  private readonly monotonicMs: () => number;
  private readonly selector = new QueueSelector();
  private readonly batcher = new EntryBatcher<Stored>((target, messages) => this.proposeBatch(target, messages));

  constructor(private readonly deps: SendDeps) {
    this.monotonicMs = deps.monotonicMs ?? (() => performance.now());
  }

  /**
   * A client's request: one outcome per message, in order (never rejects). New sends are
   * refused with 42900 while this node is behind (see sendCommitWaitMsMax); a retry of a send
   * still in flight joins its first attempt instead.
   */
  sendAllFromClient(sends: readonly MessageToSend[]): Promise<SendOutcome[]> {
    return this.sendAll(sends, true);
  }

  /** One client send (sendAllFromClient of one message); rejects with its error. */
  async sendFromClient(m: IncomingMessage, topic = m.topic): Promise<SendResult> {
    return resultOf((await this.sendAll([toSend(m, topic)], true))[0]!);
  }

  /**
   * Stores `m` in `topic` (the target topic, or a system topic for delay / transaction halves).
   * The broker's own sends (timer releases, transaction commits, dead letters) come here
   * directly: they are never shed.
   */
  async send(m: IncomingMessage, topic = m.topic): Promise<SendResult> {
    return resultOf((await this.sendAll([toSend(m, topic)], false))[0]!);
  }

  /** How long the oldest send in flight here has waited (0 when none). */
  oldestWaitMs(): number {
    for (const p of this.pending.values()) return this.monotonicMs() - p.sinceMs;
    return 0;
  }

  /**
   * Registers every message as in flight (or joins it to its first attempt), then — once the
   * few that need it have their index look-up or topic — adds them to their entries in
   * request order, so a request's FIFO messages are stored in the order it gave them.
   */
  private sendAll(sends: readonly MessageToSend[], shed: boolean): Promise<SendOutcome[]> {
    const group = new SendGroup(sends);
    const configs = new Array<TopicConfig | undefined>(sends.length);
    const keys: string[] = [];
    const toAdd: number[] = [];
    let slow: number[] | null = null;
    let refusal: BusyError | null | undefined;
    const sinceMs = this.monotonicMs();
    for (let i = 0; i < sends.length; i++) {
      const { id, topic } = sends[i]!;
      const key = pendingKey(topic, id);
      const inFlight = this.pending.get(key);
      if (inFlight !== undefined) {
        this.join(group, i, inFlight);
        continue;
      }
      if (shed && refusal === undefined) refusal = this.shedding();
      if (shed && refusal !== null) {
        group.failed(i, refusal);
        continue;
      }
      if (this.pending.size >= pendingSendsMax) {
        group.failed(i, new BusyError(`${pendingSendsMax} sends are waiting for their commit`));
        continue;
      }
      this.pending.set(key, { group, slot: i, sinceMs });
      keys.push(key);
      toAdd.push(i);
      configs[i] = this.deps.topic(topic);
      if (configs[i] === undefined || this.deps.mightBeStored(id)) (slow ??= []).push(i);
    }
    if (keys.length > 0) void group.done.then(() => this.forget(keys));
    if (slow === null) this.addAll(sends, configs, toAdd, group);
    else void this.resolveThenAdd(sends, configs, toAdd, slow, group);
    return group.done;
  }

  /** The 42900 a new client send gets now, or null while sends are committing in time. */
  private shedding(): BusyError | null {
    const waitedMs = this.oldestWaitMs();
    if (waitedMs <= sendCommitWaitMsMax) return null;
    return new BusyError(`broker busy: a send has waited ${Math.round(waitedMs)} ms for its commit (fast failure above ${sendCommitWaitMsMax} ms); retry later`);
  }

  private join(group: SendGroup, slot: number, first: PendingSend): void {
    if (first.group === group) group.copy(slot, first.slot);
    else void first.group.done.then((outcomes) => group.settle(slot, outcomes[first.slot]!));
  }

  private forget(keys: readonly string[]): void {
    for (const key of keys) this.pending.delete(key);
  }

  /** Index look-ups for ids the filter is unsure of, and topics to create; then addAll. */
  private async resolveThenAdd(sends: readonly MessageToSend[], configs: (TopicConfig | undefined)[], toAdd: readonly number[], slow: readonly number[], group: SendGroup): Promise<void> {
    await Promise.all(slow.map(async (i) => {
      const { id, topic } = sends[i]!;
      try {
        if (this.deps.mightBeStored(id)) {
          const stored = (await this.deps.lookupUniqKey(id)).find((h) => h.topic === topic);
          if (stored !== undefined) {
            group.settle(i, { messageId: id, topic, queueId: stored.queueId, queueOffset: stored.queueOffset, physicalOffset: stored.physicalOffset });
            return;
          }
        }
        configs[i] ??= await this.deps.topicForWrite(topic);
      } catch (err) {
        group.failed(i, err);
      }
    }));
    this.addAll(sends, configs, toAdd, group);
  }

  /** Adds the messages still unanswered to their entries, in request order. */
  private addAll(sends: readonly MessageToSend[], configs: readonly (TopicConfig | undefined)[], toAdd: readonly number[], group: SendGroup): void {
    let last: BatchTarget | null = null;
    for (const i of toAdd) {
      if (group.settled(i)) continue;
      const { m, topic } = sends[i]!;
      const config = configs[i];
      if (config === undefined) {
        group.failed(i, new TopicNotFoundError(topic));
        continue;
      }
      if ((config.perm & Perm.Write) === 0) {
        group.failed(i, new BadRequestError(`topic ${topic} is not writable`));
        continue;
      }
      const fifo = m.input.properties.messageGroup;
      let target: BatchTarget;
      if (fifo !== null) target = { topic, queueId: groupQueue(fifo, config.writeQueueNums), writeQueueNums: config.writeQueueNums };
      else if (last !== null && last.topic === topic && last.writeQueueNums === config.writeQueueNums) target = last;
      else target = last = { topic, queueId: null, writeQueueNums: config.writeQueueNums };
      try {
        this.batcher.addTo(target, m.input, m.input.body.length, group, i);
      } catch (err) {
        group.failed(i, err); // a failed assertion: this message fails, the group still settles
      }
    }
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
      if (e.code === 'LOST') throw new UnknownOutcomeError(`${what}: this node stopped leading before it committed; it may still be stored`, { cause: e });
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

function pendingKey(topic: string, id: string): string {
  return `${topic}\u0000${id}`;
}

function toSend(m: IncomingMessage, topic: string): MessageToSend {
  const id = m.input.properties.uniqKey;
  assert(id !== null, 'validated messages carry an id');
  return { m, topic, id };
}

function resultOf(outcome: SendOutcome): SendResult {
  if (outcome instanceof Error) throw outcome;
  return outcome;
}
