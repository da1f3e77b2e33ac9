// Transactional messages. The half message waits in the half topic, invisible to consumers.
// EndTransaction COMMIT stores it in its real topic (an idempotent send: a commit repeated
// after a failover stores nothing twice); ROLLBACK discards it. Either way the half is
// acknowledged in the half topic's cursor (a replicated consumer offset). Halves left
// unresolved past transactionTimeout are checked with a producer of the topic over its
// Telemetry stream, every transactionCheckInterval, at most transactionCheckMax times; then
// discarded and logged.

import { Code } from '@ledgermq/protocol';
import { MessageType, TransactionState, type IndexHit } from '@ledgermq/store';
import { PopQueue } from '../consumer/pop-queue.ts';
import { BadRequestError } from '../errors.ts';
import type { QueueMessage, StorePort } from '../store-port.ts';
import { halfGroup, halfTopic, realTopicKey, restage } from '../system-topics.ts';
import type { SendService } from './send-service.ts';

export const transactionTickMs = 500;
/** Unresolved halves examined per round (past the cursor). */
export const halfScanMax = 10_000;

export interface TransactionOptions {
  readonly timeoutMs: number;
  readonly checkIntervalMs: number;
  readonly checkMax: number;
}

export interface TransactionDeps {
  readonly store: StorePort;
  readonly send: SendService;
  readonly lookupUniqKey: (id: string) => Promise<IndexHit[]>;
  readonly nowMs: () => number;
  /** Asks a producer of `topic` to resolve the half (on any node). */
  readonly check: (topic: string, half: QueueMessage, transactionId: string) => void;
  readonly log: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
}

interface CheckState {
  checks: number;
  lastCheckMs: number;
}

export class TransactionService {
  private cursor: PopQueue | null = null;
  private readonly checks = new Map<number, CheckState>();
  private dirty = false;

  constructor(
    private readonly opts: TransactionOptions,
    private readonly deps: TransactionDeps,
  ) {}

  reset(): void {
    this.cursor = null;
    this.checks.clear();
    this.dirty = false;
  }

  takeDirtyOffset(): number | null {
    if (!this.dirty || this.cursor === null) return null;
    this.dirty = false;
    return this.cursor.committed;
  }

  async end(topic: string, messageId: string, transactionId: string, commit: boolean): Promise<void> {
    const hit = (await this.deps.lookupUniqKey(messageId)).find((h) => h.topic === halfTopic);
    if (hit === undefined) throw new BadRequestError(`no transactional half message ${messageId}`, Code.INVALID_TRANSACTION_ID);
    const [half] = this.deps.store.read(halfTopic, hit.queueId, hit.queueOffset, 1);
    if (half === undefined || half.queueOffset !== hit.queueOffset) throw new BadRequestError(`half message ${messageId} is no longer stored`, Code.INVALID_TRANSACTION_ID);
    const p = half.message.properties;
    if (p.transactionId !== transactionId) throw new BadRequestError(`transaction id ${transactionId} does not match message ${messageId}`, Code.INVALID_TRANSACTION_ID);
    const realTopic = p.user.get(realTopicKey);
    if (realTopic !== topic) throw new BadRequestError(`message ${messageId} was sent to ${realTopic}, not ${topic}`, Code.INVALID_TRANSACTION_ID);
    const cursor = this.cursorNow();
    if (!cursor.isPending(half.queueOffset)) return; // resolved already: ending twice is harmless
    if (commit) {
      const input = restage(half.message, (u) => u.delete(realTopicKey), {});
      await this.deps.send.send({ topic, type: MessageType.Transaction, input: { ...input, properties: { ...input.properties, transactionState: TransactionState.Commit } } }, topic);
    }
    this.resolve(cursor, half.queueOffset);
  }

  /** One round on the leader: check the halves that waited too long. */
  tick(): void {
    const cursor = this.cursorNow();
    const bounds = this.deps.store.bounds(halfTopic, 0);
    cursor.raiseFloor(bounds.min);
    const now = this.deps.nowMs();
    const end = Math.min(bounds.max, cursor.committed + halfScanMax);
    for (let from = cursor.committed; from < end; ) {
      const msgs = this.deps.store.read(halfTopic, 0, from, Math.min(256, end - from));
      if (msgs.length === 0) break;
      for (const m of msgs) if (cursor.isPending(m.queueOffset)) this.maybeCheck(cursor, m, now);
      from = msgs[msgs.length - 1]!.queueOffset + 1;
    }
  }

  private maybeCheck(cursor: PopQueue, m: QueueMessage, now: number): void {
    if (now - m.message.storeTimestampMs < this.opts.timeoutMs) return;
    const st = this.checks.get(m.queueOffset) ?? { checks: 0, lastCheckMs: 0 };
    if (now - st.lastCheckMs < this.opts.checkIntervalMs) return;
    const topic = m.message.properties.user.get(realTopicKey) ?? '';
    if (st.checks >= this.opts.checkMax) {
      this.deps.log.warn({ topic, messageId: m.message.properties.uniqKey, checks: st.checks }, 'transaction unresolved after the last check: discarded');
      this.resolve(cursor, m.queueOffset);
      return;
    }
    st.checks += 1;
    st.lastCheckMs = now;
    this.checks.set(m.queueOffset, st);
    this.deps.check(topic, m, m.message.properties.transactionId ?? '');
  }

  private resolve(cursor: PopQueue, offset: number): void {
    this.checks.delete(offset);
    if (cursor.ack(offset, 0) === 'acked') this.dirty = true;
  }

  private cursorNow(): PopQueue {
    if (this.cursor === null) {
      this.cursor = new PopQueue(this.deps.store.committedOffset(halfGroup, halfTopic, 0) ?? this.deps.store.bounds(halfTopic, 0).min);
    }
    return this.cursor;
  }
}
