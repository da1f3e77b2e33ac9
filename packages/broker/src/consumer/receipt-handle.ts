// Receipt handles: opaque to clients, they name one delivery of one message. A handle from an
// earlier leader (term) still names its message, so an ack that crosses a failover is not lost.

import { InvalidReceiptHandleError } from '../errors.ts';

export interface ReceiptHandle {
  readonly term: number;
  readonly topic: string;
  readonly queueId: number;
  readonly offset: number;
  /** Unique per delivery on the leader that made it. */
  readonly seq: number;
}

const version = 'r1';
const handleBytesMax = 1024;

export function encodeReceiptHandle(h: ReceiptHandle): string {
  return [version, h.term, h.queueId, h.offset, h.seq, Buffer.from(h.topic, 'utf8').toString('base64url')].join('.');
}

export function decodeReceiptHandle(text: string): ReceiptHandle {
  if (typeof text !== 'string' || text.length === 0 || text.length > handleBytesMax) throw new InvalidReceiptHandleError('receipt handle missing or too long');
  const parts = text.split('.');
  if (parts.length !== 6 || parts[0] !== version) throw new InvalidReceiptHandleError('malformed receipt handle');
  const [term, queueId, offset, seq] = parts.slice(1, 5).map(Number);
  const topic = Buffer.from(parts[5]!, 'base64url').toString('utf8');
  for (const n of [term, queueId, offset, seq]) {
    if (!Number.isSafeInteger(n) || n! < 0) throw new InvalidReceiptHandleError('malformed receipt handle');
  }
  if (topic === '') throw new InvalidReceiptHandleError('malformed receipt handle');
  return { term: term!, queueId: queueId!, offset: offset!, seq: seq!, topic };
}
