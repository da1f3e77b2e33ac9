// A follower forwards the SendMessage (and AckMessage) calls of one event-loop turn to the
// leader as ONE forwarded call carrying all their messages (acks), and splits the answer back.
// The official client spreads its calls over every node of the group, so most arrive at a
// follower; without this the leader pays a whole gRPC call per forwarded message or ack.
//
// Only calls with the same namespace header (and, for acks, the same group and topic) share a
// forward: the leader qualifies names with the header. The client's signature was checked
// here, so the other headers are the first call's. Each caller's answer is its own entries,
// with the status of its first failure (as the handler answers a direct call); an answer
// without one entry per item (a whole-call error) is every caller's status.

import { Code, type v2 } from '@ledgermq/protocol';
import { assert } from '../assert.ts';
import { ackEntriesMax, forwardSendBytesMax } from '../constants.ts';
import { TurnBatches } from '../turn-batches.ts';

interface Status {
  readonly code: number;
  readonly message: string;
}

/** How one method's requests merge and its answers split. */
export interface CoalesceSpec<Req, Item, Entry> {
  readonly items: (req: Req) => readonly Item[];
  /** Requests with different keys never merge (beyond leader and namespace). */
  readonly key: (req: Req) => string;
  readonly build: (first: Req, items: Item[]) => Req;
  readonly bytes: (item: Item) => number;
  readonly itemsMax: number;
  readonly bytesMax: number;
}

interface Answer<Entry> {
  status: Status;
  entries: Entry[];
}

export type Forward<Req, Entry> = (target: string, request: Req, headers: Record<string, string>) => Promise<Answer<Entry>>;

interface Caller<Entry> {
  readonly count: number;
  readonly resolve: (r: Answer<Entry>) => void;
  readonly reject: (e: unknown) => void;
}

interface Pending<Req, Item, Entry> {
  readonly target: string;
  readonly first: Req;
  readonly headers: Record<string, string>;
  readonly items: Item[];
  readonly callers: Caller<Entry>[];
  bytes: number;
}

export class CallCoalescer<Req, Item, Entry extends { status?: Status | null }> {
  private readonly batches = new TurnBatches<Pending<Req, Item, Entry>>((p) => this.flushOne(p));

  constructor(
    private readonly spec: CoalesceSpec<Req, Item, Entry>,
    private readonly forward: Forward<Req, Entry>,
    private readonly namespaceHeader: string,
  ) {}

  /** Whether `request` can join a merged call (one with no items, or too many, goes alone). */
  accepts(request: Req): boolean {
    const n = this.spec.items(request).length;
    return n >= 1 && n <= this.spec.itemsMax;
  }

  send(target: string, request: Req, headers: Record<string, string>): Promise<Answer<Entry>> {
    const items = this.spec.items(request);
    assert(this.accepts(request), `a request of ${items.length} items cannot be merged`);
    const bytes = items.reduce((n, it) => n + this.spec.bytes(it), 0);
    const key = `${target}\u0000${headers[this.namespaceHeader] ?? ''}\u0000${this.spec.key(request)}`;
    const p = this.batches.take(
      key,
      (open) => open.items.length + items.length <= this.spec.itemsMax && open.bytes + bytes <= this.spec.bytesMax,
      () => ({ target, first: request, headers, items: [], callers: [], bytes: 0 }),
    );
    p.items.push(...items);
    p.bytes += bytes;
    return new Promise<Answer<Entry>>((resolve, reject) => p.callers.push({ count: items.length, resolve, reject }));
  }

  private flushOne(p: Pending<Req, Item, Entry>): void {
    this.forward(p.target, p.callers.length === 1 ? p.first : this.spec.build(p.first, p.items), p.headers).then(
      (res) => split(p, res),
      (err: unknown) => {
        for (const c of p.callers) c.reject(err);
      },
    );
  }
}

function split<Req, Item, Entry extends { status?: Status | null }>(p: Pending<Req, Item, Entry>, res: Answer<Entry>): void {
  const entries = res.entries ?? [];
  if (entries.length !== p.items.length) {
    for (const c of p.callers) c.resolve({ status: res.status, entries: [] });
    return;
  }
  let at = 0;
  for (const c of p.callers) {
    const mine = entries.slice(at, at + c.count);
    at += c.count;
    const failed = mine.find((e) => e.status?.code !== Code.OK);
    c.resolve({ status: (failed ?? mine[0]!).status ?? res.status, entries: mine });
  }
}

/** AckMessage: acks of one group and topic merge. */
export const ackSpec: CoalesceSpec<v2.AckMessageRequest, v2.AckMessageEntry, v2.AckMessageResponse['entries'][number]> = {
  items: (r) => r.entries ?? [],
  key: (r) => `${r.group?.resource_namespace ?? ''}\u0000${r.group?.name ?? ''}\u0000${r.topic?.resource_namespace ?? ''}\u0000${r.topic?.name ?? ''}`,
  build: (first, entries) => ({ ...first, entries }),
  bytes: (e) => e.receipt_handle?.length ?? 0,
  itemsMax: ackEntriesMax,
  bytesMax: forwardSendBytesMax,
};
