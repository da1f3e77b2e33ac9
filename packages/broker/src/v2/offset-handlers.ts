// Offset-based consumption (PullMessage, UpdateOffset, GetOffset, QueryOffset): for clients that
// track their own position. The queue id is the real one (0 .. readQueueNums-1).

import { Code, durationToMs, QueryOffsetPolicy, timestampToMs, type v2 } from '@ledgermq/protocol';
import type { Arrivals } from '../consumer/arrivals.ts';
import type { ReceiveService } from '../consumer/receive-service.ts';
import { matches, parseTagFilter } from '../consumer/tag-filter.ts';
import { BadRequestError, BrokerError, TopicNotFoundError } from '../errors.ts';
import type { StorePort } from '../store-port.ts';
import type { CallContext } from './call-context.ts';
import { toV2 } from './message-convert.ts';
import { checkGroupName, checkTopicName } from './message-validate.ts';

export interface OffsetDeps {
  readonly store: StorePort;
  readonly receive: ReceiveService;
  readonly arrivals: Arrivals;
  readonly commitOffset: (group: string, topic: string, queueId: number, offset: number) => Promise<void>;
  readonly nowMs: () => number;
}

export const pullBatchMax = 1_024;
export const pullLongPollMsMax = 30_000;

const ok = (): v2.Status => ({ code: Code.OK, message: 'OK' });

interface QueueRef {
  readonly topic: string;
  readonly queueId: number;
}

function queueOf(d: OffsetDeps, mq: v2.MessageQueue | null | undefined): QueueRef {
  const topic = mq?.topic?.name ?? '';
  checkTopicName(topic, false);
  const t = d.store.topic(topic);
  if (t === undefined) throw new TopicNotFoundError(topic);
  const queueId = Number(mq?.id ?? 0);
  if (!Number.isInteger(queueId) || queueId < 0 || queueId >= t.readQueueNums) {
    throw new BadRequestError(`queue ${queueId} of ${topic} does not exist (read queues: ${t.readQueueNums})`);
  }
  return { topic, queueId };
}

function offsetOf(text: string | number, field: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new BadRequestError(`${field} ${text} is not a queue offset`, Code.ILLEGAL_OFFSET);
  return n;
}

export function offsetHandlers(d: OffsetDeps) {
  return {
    PullMessage: async (req: { group: v2.Resource | null; message_queue: v2.MessageQueue | null; offset: string; batch_size: number; filter_expression: v2.FilterExpression | null; long_polling_timeout?: v2.Duration | null }, ctx: CallContext) => {
      checkGroupName(req.group?.name ?? '');
      const q = queueOf(d, req.message_queue);
      const filter = parseTagFilter(Number(req.filter_expression?.type ?? 1), req.filter_expression?.expression ?? '*');
      const batch = Math.max(1, Math.min(req.batch_size || 32, pullBatchMax));
      let offset = offsetOf(req.offset, 'offset');
      // Monotonic: a wall-clock jump must not stretch the long poll.
      const deadline = performance.now() + Math.min(pullLongPollMsMax, durationToMs(req.long_polling_timeout, 0, 'long_polling_timeout'));
      for (;;) {
        const bounds = d.store.bounds(q.topic, q.queueId);
        if (offset < bounds.min || offset > bounds.max) {
          // Offset moved (retention) or beyond the end: tell the client where to continue.
          return [{ status: { code: Code.ILLEGAL_OFFSET, message: `offset ${offset} outside [${bounds.min}, ${bounds.max}]` } }, { next_offset: String(offset < bounds.min ? bounds.min : bounds.max) }];
        }
        const msgs = d.store.read(q.topic, q.queueId, offset, batch);
        const topicCfg = d.store.topic(q.topic)!;
        const out = msgs.filter((m) => matches(filter, m.message.properties.tags));
        const next = msgs.length > 0 ? msgs[msgs.length - 1]!.queueOffset + 1 : offset;
        if (out.length > 0) {
          return [
            { status: ok() },
            ...out.map((m) => ({ message: toV2(m.message, { topic: q.topic, queueOffset: m.queueOffset, receiptHandle: `pull.${m.queueOffset}`, deliveryAttempt: 1, invisibleMs: 0, type: topicCfg.messageType }) })),
            { next_offset: String(next) },
          ];
        }
        offset = next;
        const left = deadline - performance.now();
        if (left <= 0) return [{ status: { code: Code.MESSAGE_NOT_FOUND, message: 'no new message' } }, { next_offset: String(offset) }];
        await d.arrivals.wait(q.topic, left, ctx.cancelled);
      }
    },

    UpdateOffset: async (req: { group: v2.Resource | null; message_queue: v2.MessageQueue | null; offset: string }) => {
      const group = req.group?.name ?? '';
      checkGroupName(group);
      const q = queueOf(d, req.message_queue);
      const offset = offsetOf(req.offset, 'offset');
      const bounds = d.store.bounds(q.topic, q.queueId);
      if (offset > bounds.max) throw new BadRequestError(`offset ${offset} beyond the queue's end ${bounds.max}`, Code.ILLEGAL_OFFSET);
      await d.commitOffset(group, q.topic, q.queueId, offset);
      d.receive.forget(group, q.topic, q.queueId);
      return { status: ok() };
    },

    GetOffset: async (req: { group: v2.Resource | null; message_queue: v2.MessageQueue | null }) => {
      const group = req.group?.name ?? '';
      checkGroupName(group);
      const q = queueOf(d, req.message_queue);
      const offset = d.store.committedOffset(group, q.topic, q.queueId);
      if (offset === undefined) throw new BrokerError(`group ${group} has no offset on ${q.topic}/${q.queueId}`, Code.OFFSET_NOT_FOUND, false);
      return { status: ok(), offset: String(offset) };
    },

    QueryOffset: async (req: { message_queue: v2.MessageQueue | null; query_offset_policy: number; timestamp?: v2.Timestamp | null }) => {
      const q = queueOf(d, req.message_queue);
      const bounds = d.store.bounds(q.topic, q.queueId);
      const policy = Number(req.query_offset_policy);
      if (policy === QueryOffsetPolicy.BEGINNING) return { status: ok(), offset: String(bounds.min) };
      if (policy === QueryOffsetPolicy.END) return { status: ok(), offset: String(bounds.max) };
      if (policy !== QueryOffsetPolicy.TIMESTAMP) throw new BadRequestError(`unknown query_offset_policy ${req.query_offset_policy}`);
      const at = timestampToMs(req.timestamp, d.nowMs(), 'timestamp');
      return { status: ok(), offset: String(d.store.offsetForTimestamp(q.topic, q.queueId, at) ?? bounds.max) };
    },
  };
}

