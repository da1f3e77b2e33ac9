// A binary min-heap of timed events ordered by (time, insertion sequence): equal times
// fire in the order they were scheduled, which keeps runs deterministic.

import { assert } from './assert.ts';

interface Slot<T> {
  readonly at: number;
  readonly seq: number;
  readonly item: T;
}

export class EventQueue<T> {
  private readonly heap: Slot<T>[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(at: number, item: T): void {
    assert(Number.isInteger(at) && at >= 0, `event time must be a non-negative integer, got ${at}`);
    this.heap.push({ at, seq: this.seq++, item });
    this.up(this.heap.length - 1);
  }

  peekAt(): number | undefined {
    return this.heap[0]?.at;
  }

  pop(): { at: number; item: T } | undefined {
    const top = this.heap[0];
    if (top === undefined) return undefined;
    const last = this.heap.pop() as Slot<T>;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.down(0);
    }
    return { at: top.at, item: top.item };
  }

  private less(i: number, j: number): boolean {
    const a = this.heap[i] as Slot<T>;
    const b = this.heap[j] as Slot<T>;
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private swap(i: number, j: number): void {
    const t = this.heap[i] as Slot<T>;
    this.heap[i] = this.heap[j] as Slot<T>;
    this.heap[j] = t;
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    const n = this.heap.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(l, m)) m = l;
      if (r < n && this.less(r, m)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}
