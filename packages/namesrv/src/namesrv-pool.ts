// Reads from several independent NameServers: each call goes to one, and on failure to the
// next, so one NameServer down (or just restarted, and not yet told about every broker) does
// not fail the read. A topic is reported missing only when every reachable NameServer says so.

import type { ClusterInfo, TopicRoute } from '@ledgermq/protocol';
import { assert } from './assert.ts';
import { NamesrvClosedError, NamesrvError, TopicNotFoundError } from './errors.ts';
import { NamesrvClient, type NamesrvClientOptions } from './namesrv-client.ts';

export class NamesrvPool {
  private readonly clients: NamesrvClient[];
  private next = 0;
  private closed = false;

  constructor(addresses: readonly string[], options: NamesrvClientOptions = {}) {
    assert(addresses.length > 0, 'at least one NameServer address');
    this.clients = addresses.map((a) => new NamesrvClient(a, options));
  }

  get addresses(): string[] {
    return this.clients.map((c) => c.address);
  }

  queryRoute(topic: string): Promise<TopicRoute> {
    return this.any((c) => c.queryRoute(topic));
  }

  clusterInfo(): Promise<ClusterInfo[]> {
    return this.any((c) => c.clusterInfo());
  }

  listTopics(): Promise<string[]> {
    return this.any((c) => c.listTopics());
  }

  close(): void {
    this.closed = true;
    for (const c of this.clients) c.close();
  }

  private async any<T>(call: (c: NamesrvClient) => Promise<T>): Promise<T> {
    if (this.closed) throw new NamesrvClosedError(this.addresses.join(';'));
    const start = this.next;
    this.next = (this.next + 1) % this.clients.length;
    let notFound: TopicNotFoundError | null = null;
    let last: unknown = null;
    for (let i = 0; i < this.clients.length; i++) {
      const client = this.clients[(start + i) % this.clients.length]!;
      try {
        return await call(client);
      } catch (err) {
        // A bad request fails the same everywhere.
        if (err instanceof NamesrvError && !err.retriable && !(err instanceof TopicNotFoundError)) throw err;
        if (err instanceof TopicNotFoundError) notFound = err;
        last = err;
      }
    }
    throw notFound ?? last;
  }
}
