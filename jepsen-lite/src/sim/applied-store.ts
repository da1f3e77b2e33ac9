// A store-like applied state per simulated node, checked for determinism like the broker's
// ConsumeQueues: every applied Normal entry is a message for queue (hash(payload) % 4), and the
// node assigns queue offsets in apply order. Offsets are state: snapshots carry each queue's
// next offset, so a node restored from a snapshot continues from there.
//
// What must hold: an index is placed at the same (queue, offset) on every node and in every
// life of a node (a committed entry never moves), and a (queue, offset) names the same payload
// everywhere. Checked at each apply against the node's own earlier lives, and across nodes
// after every run (compareAppliedStores). Cheap: two map writes per applied entry.

export const storeQueueCount = 4;

/** FNV-1a over the payload string (the simulation's payloads are short). */
export function queueOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % storeQueueCount;
}

export class AppliedStore {
  /** The next offset of each queue (reset by a restore). */
  next: number[] = new Array<number>(storeQueueCount).fill(0);
  /** index -> "queue:offset", over every life of the node. */
  readonly placeOf = new Map<number, string>();
  /** "queue:offset" -> payload key, over every life of the node. */
  readonly payloadAt = new Map<string, string>();
  messages = 0;

  /** Applies one message; returns a description of a conflict with an earlier life, or null. */
  apply(index: number, key: string): string | null {
    const q = queueOf(key);
    const place = `${q}:${this.next[q]}`;
    this.next[q] = (this.next[q] as number) + 1;
    this.messages++;
    const before = this.placeOf.get(index);
    if (before !== undefined && before !== place) return `index ${index} placed at ${place}, earlier at ${before}`;
    const held = this.payloadAt.get(place);
    if (held !== undefined && held !== key) return `queue offset ${place} holds ${JSON.stringify(key)} (index ${index}), earlier ${JSON.stringify(held)}`;
    this.placeOf.set(index, place);
    this.payloadAt.set(place, key);
    return null;
  }

  /** Starts over from a snapshot's (or an empty) state; what earlier lives placed is kept for the checks. */
  restore(next: readonly number[] | null): void {
    this.next = next === null ? new Array<number>(storeQueueCount).fill(0) : [...next];
  }
}

/**
 * Across nodes: every index one node placed is at the same (queue, offset) on every node that
 * placed it, and every (queue, offset) holds the same payload. Returns the first conflict.
 */
export function compareAppliedStores(stores: ReadonlyArray<readonly [string, AppliedStore]>): string | null {
  const places = new Map<number, [string, string]>();
  const payloads = new Map<string, [string, string]>();
  for (const [id, s] of stores) {
    for (const [index, place] of s.placeOf) {
      const seen = places.get(index);
      if (seen === undefined) places.set(index, [place, id]);
      else if (seen[0] !== place) return `index ${index}: ${id} placed it at ${place}, ${seen[1]} at ${seen[0]}`;
    }
    for (const [place, key] of s.payloadAt) {
      const seen = payloads.get(place);
      if (seen === undefined) payloads.set(place, [key, id]);
      else if (seen[0] !== key) return `queue offset ${place}: ${id} holds ${JSON.stringify(key)}, ${seen[1]} holds ${JSON.stringify(seen[0])}`;
    }
  }
  return null;
}
