// Batches that collect work arriving in one turn of the event loop, per key, and hand each to
// `flush` on the next setImmediate (every request already read in this turn has joined by then)
// or as soon as it cannot take the next item. Shared by the leader's EntryBatcher (sends into
// one log entry) and the follower's CallCoalescer (calls into one forwarded call).

export class TurnBatches<B> {
  private readonly open = new Map<string, B>();
  private flushScheduled = false;

  constructor(private readonly flush: (batch: B) => void) {}

  /**
   * The open batch under `key` when `fits` says it takes the next item; otherwise that batch is
   * flushed now and `make()` opens the next one (which takes the item whatever its size).
   */
  take(key: string, fits: (batch: B) => boolean, make: () => B): B {
    let b = this.open.get(key);
    if (b !== undefined && !fits(b)) {
      this.open.delete(key);
      this.flush(b);
      b = undefined;
    }
    if (b === undefined) {
      b = make();
      this.open.set(key, b);
    }
    this.scheduleFlush();
    return b;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const all = [...this.open.values()];
      this.open.clear();
      for (const b of all) this.flush(b);
    });
  }
}
