// Applies one Normal entry body to the in-memory state: deterministic, synchronous, and the
// same on every replica (everything it reads is in the entry or in state built from earlier
// entries; the store timestamp was stamped by the leader into the entry).

import { AppliedRecord, type ApplyResult, CommandOutcome, RejectReason } from './apply-results.ts';
import { CommandKind, isCommandKind } from './command-kind.ts';
import { commandKindOf, decodeCommand, type StateCommand } from './commands.ts';
import type { ConsumeQueueSet } from './consume-queue-set.ts';
import { tagHash } from './cq-record.ts';
import { UnknownCommandError } from './errors.ts';
import { scanMessageBatch } from './message-codec.ts';
import { canEncodeOffsetMessageId } from './message-id.ts';
import type { MessageIndex } from './message-index.ts';
import type { Metadata } from './metadata.ts';
import { Perm } from './metadata-types.ts';

export interface ApplyContext {
  readonly metadata: Metadata;
  readonly queues: ConsumeQueueSet;
  readonly index: MessageIndex;
  /** Position of the entry's first byte in the log (its header). */
  readonly entryPos: number;
  readonly headerBytes: number;
}

export function applyNormal(ctx: ApplyContext, index: number, body: Uint8Array): ApplyResult {
  const kind = commandKindOf(body);
  // An unknown kind may be a command a newer broker wrote: skipping it would diverge from the
  // replicas that understand it, so the apply loop stops here.
  if (!isCommandKind(kind)) throw new UnknownCommandError(index, kind);
  if (kind === CommandKind.MessageBatch) return applyBatch(ctx, index, body);
  return applyCommand(ctx, index, body, decodeCommand(body));
}

function applyBatch(ctx: ApplyContext, index: number, body: Uint8Array): ApplyResult {
  const { header, records } = scanMessageBatch(body);
  const { topic, queueId, storeHost, storeTimestampMs } = header;
  const t = ctx.metadata.topic(topic);
  // The topic may have been deleted or shrunk between propose and apply: decided here, the same way everywhere.
  if (!t) return rejected(index, topic, queueId, RejectReason.TopicNotFound);
  if (queueId >= t.writeQueueNums) return rejected(index, topic, queueId, RejectReason.QueueNotFound);
  if ((t.perm & Perm.Write) === 0) return rejected(index, topic, queueId, RejectReason.NotWritable);
  const base = ctx.entryPos + ctx.headerBytes;
  const q = ctx.queues.obtain(topic, queueId);
  const offsetIdHost = canEncodeOffsetMessageId(storeHost) ? storeHost : null;
  const applied: AppliedRecord[] = new Array(records.length);
  for (let k = 0; k < records.length; k++) {
    const m = records[k];
    const physicalOffset = base + m.recordOffsetBytes;
    const size = m.recordBytes;
    const queueOffset = q.appendRecord(physicalOffset, size, tagHash(m.tags));
    ctx.index.addMessage(topic, queueId, queueOffset, physicalOffset, size, storeTimestampMs, m.uniqKey, m.keys);
    applied[k] = new AppliedRecord(queueOffset, physicalOffset, size, m.uniqKey, offsetIdHost);
  }
  return { type: 'messages', index, topic, queueId, messages: applied };
}

function rejected(index: number, topic: string, queueId: number, reason: RejectReason): ApplyResult {
  return { type: 'rejected', index, topic, queueId, reason };
}

function applyCommand(ctx: ApplyContext, index: number, body: Uint8Array, c: StateCommand): ApplyResult {
  const m = ctx.metadata;
  const done = (outcome: CommandOutcome): ApplyResult => ({ type: 'command', index, kind: c.kind, outcome });
  switch (c.kind) {
    case CommandKind.TopicCreate:
      if (m.topic(c.topic.name)) return done(CommandOutcome.Exists);
      m.putTopic(c.topic);
      return done(CommandOutcome.Ok);
    case CommandKind.TopicUpdate:
      if (!m.topic(c.topic.name)) return done(CommandOutcome.NotFound);
      m.putTopic(c.topic);
      return done(CommandOutcome.Ok);
    case CommandKind.TopicDelete:
      // Queue files stay: a topic created again with the same name continues its offsets.
      if (!m.topic(c.topic)) return done(CommandOutcome.NotFound);
      m.deleteTopic(c.topic);
      return done(CommandOutcome.Ok);
    case CommandKind.GroupCreate:
      if (m.group(c.group.name)) return done(CommandOutcome.Exists);
      m.putGroup(c.group);
      return done(CommandOutcome.Ok);
    case CommandKind.GroupUpdate:
      if (!m.group(c.group.name)) return done(CommandOutcome.NotFound);
      m.putGroup(c.group);
      return done(CommandOutcome.Ok);
    case CommandKind.GroupDelete:
      if (!m.group(c.group)) return done(CommandOutcome.NotFound);
      m.deleteGroup(c.group);
      return done(CommandOutcome.Ok);
    case CommandKind.OffsetCommit:
      m.setConsumerOffset(c.group, c.topic, c.queueId, c.offset);
      return done(CommandOutcome.Ok);
    case CommandKind.TransactionEnd:
      // Placeholder semantics: remember the end marker (the whole command body) by transaction id.
      m.putKv(`txn/${c.transactionId}`, body);
      return done(CommandOutcome.Ok);
    case CommandKind.TimerRelease:
      m.putKv(`timer/${c.timerKey}`, body);
      return done(CommandOutcome.Ok);
  }
}
