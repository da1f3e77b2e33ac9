// The producers and consumers connected to this node, for consumerConnection and
// producerConnection: who they are (client id, language, version, address), what they use (the
// consumer group and subscriptions, or the topics a producer publishes to) and when they were
// last heard from. Fed by Telemetry settings (sent at startup and every few minutes), the
// Heartbeat every client sends each 10 s, and NotifyClientTermination. Bounded: at most
// clientsMax entries; a client silent for expireAfterMs is dropped, and when the table is full
// the longest-silent entry makes room for a new one.

import { ClientType, v2Headers, type v2 } from '@ledgermq/protocol';
import { assert } from '../assert.ts';
import { clientExpireMsDefault, clientsMax, clientTopicsMax } from '../constants.ts';

/** v2 Language enum (definition.proto), by number. */
const languageNames = ['LANGUAGE_UNSPECIFIED', 'JAVA', 'CPP', 'DOT_NET', 'GOLANG', 'RUST', 'PYTHON', 'PHP', 'NODE_JS', 'RUBY', 'OBJECTIVE_C', 'DART', 'KOTLIN'] as const;
const clientTypeNames = Object.fromEntries(Object.entries(ClientType).map(([k, v]) => [v, k])) as Record<number, string>;

export interface ClientSubscription {
  readonly topic: string;
  /** Tag or SQL filter expression ('*' = everything). */
  readonly expression: string;
  readonly expressionType: 'TAG' | 'SQL';
}

export interface ClientView {
  readonly clientId: string;
  /** PRODUCER, PUSH_CONSUMER, SIMPLE_CONSUMER, ... */
  readonly clientType: string;
  /** Consumer group ('' for a producer: RocketMQ 5 producers have no group). */
  readonly group: string;
  /** host:port the client's telemetry stream came from ('' until it opens one here). */
  readonly address: string;
  readonly language: string;
  readonly version: string;
  readonly hostname: string;
  /** A producer's topics. */
  readonly topics: readonly string[];
  /** A consumer's subscriptions. */
  readonly subscriptions: readonly ClientSubscription[];
  readonly firstSeenMs: number;
  readonly lastSeenMs: number;
  /** Whether its telemetry stream to this node is open now. */
  readonly connected: boolean;
}

interface Entry {
  clientId: string;
  clientType: string;
  group: string;
  address: string;
  language: string;
  version: string;
  hostname: string;
  topics: string[];
  subscriptions: ClientSubscription[];
  firstSeenMs: number;
  lastSeenMs: number;
  connected: boolean;
}

/** What a call's headers say about its client (x-mq-client-version, x-mq-language). */
export interface ClientHeaders {
  readonly version?: string;
  readonly language?: string;
}

export interface ClientRegistryOptions {
  readonly nowMs: () => number;
  readonly expireAfterMs?: number;
  readonly capacity?: number;
}

export class ClientRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly expireAfterMs: number;
  private readonly capacity: number;
  /** Entries dropped to make room (not by expiry): a sign the bound is too low. */
  evicted = 0;

  constructor(private readonly opts: ClientRegistryOptions) {
    this.expireAfterMs = opts.expireAfterMs ?? clientExpireMsDefault;
    this.capacity = opts.capacity ?? clientsMax;
    assert(this.expireAfterMs > 0, 'client expiry > 0');
    assert(this.capacity > 0, 'client registry capacity > 0');
  }

  get size(): number {
    return this.entries.size;
  }

  /** A Telemetry settings command: the full description of the client. */
  settings(clientId: string, s: v2.Settings, address: string, headers: ClientHeaders): void {
    if (clientId === '') return;
    const e = this.touch(clientId);
    e.clientType = clientTypeNames[Number(s.client_type ?? 0)] ?? String(s.client_type);
    e.address = address;
    e.connected = true;
    const ua = s.user_agent;
    e.language = ua !== null && ua !== undefined && ua.language > 0 ? (languageNames[ua.language] ?? String(ua.language)) : headers.language || e.language;
    e.version = ua?.version || headers.version || e.version;
    e.hostname = ua?.hostname ?? e.hostname;
    if (s.publishing) e.topics = (s.publishing.topics ?? []).slice(0, clientTopicsMax).map((t) => t.name);
    if (s.subscription) {
      e.group = s.subscription.group?.name ?? e.group;
      e.subscriptions = (s.subscription.subscriptions ?? []).slice(0, clientTopicsMax).map((x) => ({
        topic: x.topic?.name ?? '',
        expression: x.expression?.expression || '*',
        expressionType: Number(x.expression?.type ?? 1) === 2 ? 'SQL' : 'TAG',
      }));
    }
  }

  /** A Heartbeat: the client is alive; consumers name their group. */
  heartbeat(clientId: string, req: { group?: v2.Resource | null; client_type?: number | string }, headers: ClientHeaders): void {
    if (clientId === '') return;
    const e = this.touch(clientId);
    const group = req.group?.name ?? '';
    if (group !== '') e.group = group;
    const type = clientTypeNames[Number(req.client_type ?? 0)];
    if (e.clientType === '' && type !== undefined && Number(req.client_type) !== 0) e.clientType = type;
    if (e.language === '') e.language = headers.language ?? '';
    if (e.version === '') e.version = headers.version ?? '';
  }

  /** The telemetry stream closed: the client may reopen it (kept until it expires). */
  disconnected(clientId: string): void {
    const e = this.entries.get(clientId);
    if (e !== undefined) e.connected = false;
  }

  /** NotifyClientTermination: the client shut down. */
  terminated(clientId: string): void {
    this.entries.delete(clientId);
  }

  /** Every live client, oldest first; expired ones are dropped on the way. */
  list(): ClientView[] {
    this.expire(this.opts.nowMs());
    return [...this.entries.values()].sort((a, b) => a.firstSeenMs - b.firstSeenMs || a.clientId.localeCompare(b.clientId)).map((e) => ({ ...e, topics: [...e.topics], subscriptions: [...e.subscriptions] }));
  }

  consumersOf(group: string): ClientView[] {
    return this.list().filter((c) => c.group === group && c.clientType !== clientTypeNames[ClientType.PRODUCER]);
  }

  /** Producers publishing to `topic` (every producer when topic is ''). */
  producersOf(topic: string): ClientView[] {
    return this.list().filter((c) => c.clientType === clientTypeNames[ClientType.PRODUCER] && (topic === '' || c.topics.includes(topic)));
  }

  private touch(clientId: string): Entry {
    const now = this.opts.nowMs();
    let e = this.entries.get(clientId);
    if (e === undefined) {
      if (this.entries.size >= this.capacity) this.makeRoom(now);
      e = { clientId, clientType: '', group: '', address: '', language: '', version: '', hostname: '', topics: [], subscriptions: [], firstSeenMs: now, lastSeenMs: now, connected: false };
      this.entries.set(clientId, e);
    }
    e.lastSeenMs = now;
    return e;
  }

  private expire(now: number): void {
    for (const [id, e] of this.entries) {
      if (now - e.lastSeenMs > this.expireAfterMs) this.entries.delete(id);
    }
  }

  private makeRoom(now: number): void {
    this.expire(now);
    if (this.entries.size < this.capacity) return;
    let oldest: Entry | undefined;
    for (const e of this.entries.values()) if (oldest === undefined || e.lastSeenMs < oldest.lastSeenMs) oldest = e;
    assert(oldest !== undefined, 'a full registry has an entry');
    this.entries.delete(oldest.clientId);
    this.evicted += 1;
  }
}

/** The client's version and language from a call's x-mq-* headers. */
export function clientHeadersOf(headers: Readonly<Record<string, string>>): ClientHeaders {
  return { version: headers[v2Headers.clientVersion] ?? '', language: headers[v2Headers.language] ?? '' };
}
