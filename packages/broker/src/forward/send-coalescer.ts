// A follower forwards the SendMessage calls of one event-loop turn to the leader as ONE
// forwarded SendMessage carrying all their messages, and splits the answer back. The official
// client spreads its sends over every node of the group, so most sends arrive at a follower;
// without this the leader pays a whole gRPC call per forwarded message.
//
// Only calls with the same namespace header share a forward (the leader qualifies names with
// it); the client's signature was checked here, so the other headers are the first call's.
// Each caller's answer is its own entries, with the status of its first failure (as the
// handler answers a direct call).

import { Code, type v2 } from '@ledgermq/protocol';
import { assert } from '../assert.ts';
import { forwardSendBytesMax, sendBatchMessagesMax } from '../constants.ts';

/** Sends one (merged) SendMessage to the leader at `target`. */
export type ForwardSend = (target: string, request: v2.SendMessageRequest, headers: Record<string, string>) => Promise<v2.SendMessageResponse>;

interface Caller {
  readonly count: number;
  readonly resolve: (r: v2.SendMessageResponse) => void;
  readonly reject: (e: unknown) => void;
}

interface Pending {
  readonly target: string;
  readonly headers: Record<string, string>;
  readonly messages: v2.Message[];
  readonly callers: Caller[];
  bytes: number;
}

export class SendCoalescer {
  private readonly open = new Map<string, Pending>();
  private flushScheduled = false;

  constructor(
    private readonly forwardSend: ForwardSend,
    private readonly namespaceHeader: string,
  ) {}

  send(target: string, request: v2.SendMessageRequest, headers: Record<string, string>): Promise<v2.SendMessageResponse> {
    const messages = request.messages ?? [];
    assert(messages.length > 0 && messages.length <= sendBatchMessagesMax, `a SendMessage of ${messages.length} messages`);
    const bytes = messages.reduce((n, m) => n + (m.body?.length ?? 0), 0);
    const key = `${target}\u0000${headers[this.namespaceHeader] ?? ''}`;
    let p = this.open.get(key);
    if (p !== undefined && (p.messages.length + messages.length > sendBatchMessagesMax || p.bytes + bytes > forwardSendBytesMax)) {
      this.open.delete(key);
      this.forward(p);
      p = undefined;
    }
    if (p === undefined) {
      p = { target, headers, messages: [], callers: [], bytes: 0 };
      this.open.set(key, p);
    }
    p.messages.push(...messages);
    p.bytes += bytes;
    const pending = p;
    const answer = new Promise<v2.SendMessageResponse>((resolve, reject) => pending.callers.push({ count: messages.length, resolve, reject }));
    this.scheduleFlush();
    return answer;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const all = [...this.open.values()];
      this.open.clear();
      for (const p of all) this.forward(p);
    });
  }

  private forward(p: Pending): void {
    this.forwardSend(p.target, { messages: p.messages }, p.headers).then(
      (res) => split(p, res),
      (err: unknown) => {
        for (const c of p.callers) c.reject(err);
      },
    );
  }
}

/** Each caller gets its slice of the entries; a reply without entries is everyone's status. */
function split(p: Pending, res: v2.SendMessageResponse): void {
  const entries = res.entries ?? [];
  if (entries.length !== p.messages.length) {
    for (const c of p.callers) c.resolve({ status: res.status, entries: [] });
    return;
  }
  let at = 0;
  for (const c of p.callers) {
    const mine = entries.slice(at, at + c.count);
    at += c.count;
    // The status of a caller's first failure, else its first entry's (OK).
    const failed = mine.find((e) => e.status?.code !== Code.OK);
    c.resolve({ status: (failed ?? mine[0]!).status, entries: mine });
  }
}
