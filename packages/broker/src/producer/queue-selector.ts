// The broker chooses the queue (the official client always says queue 0): a FIFO message's
// group always maps to the same queue, so its order is kept; other messages go round robin.

import { createHash } from 'node:crypto';
import { assert } from '../assert.ts';

export class QueueSelector {
  private next = 0;

  select(writeQueueNums: number, messageGroup: string | null): number {
    assert(Number.isInteger(writeQueueNums) && writeQueueNums >= 1, `writeQueueNums ${writeQueueNums}`);
    if (messageGroup !== null) return groupQueue(messageGroup, writeQueueNums);
    const q = this.next % writeQueueNums;
    this.next = (this.next + 1) % 1_000_000_007;
    return q;
  }
}

/** Stable across nodes and restarts (a new leader must map a group to the same queue). */
export function groupQueue(messageGroup: string, writeQueueNums: number): number {
  const h = createHash('sha1').update(messageGroup, 'utf8').digest();
  return h.readUInt32BE(0) % writeQueueNums;
}
