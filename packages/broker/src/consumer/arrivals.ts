// Long polling: receivers wait here until a message for their topic is applied, a hidden
// message becomes visible again, or their time is up. Bounded: past waitersMax a receive does
// not wait and answers at once.

export const waitersMax = 10_000;

export class Arrivals {
  private readonly waiters = new Map<string, Set<() => void>>();
  private count = 0;

  /** Resolves on an arrival for `topic`, after `ms`, or when `cancelled` resolves. */
  wait(topic: string, ms: number, cancelled: Promise<void>): Promise<void> {
    if (ms <= 0 || this.count >= waitersMax) return Promise.resolve();
    return new Promise((resolve) => {
      let set = this.waiters.get(topic);
      if (set === undefined) {
        set = new Set();
        this.waiters.set(topic, set);
      }
      const done = () => {
        if (!set!.delete(done)) return;
        this.count -= 1;
        if (set!.size === 0 && this.waiters.get(topic) === set) this.waiters.delete(topic);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
      this.count += 1;
      void cancelled.then(done);
    });
  }

  notify(topic: string): void {
    const set = this.waiters.get(topic);
    if (set === undefined) return;
    for (const done of [...set]) done();
  }

  notifyAll(): void {
    for (const topic of [...this.waiters.keys()]) this.notify(topic);
  }
}
