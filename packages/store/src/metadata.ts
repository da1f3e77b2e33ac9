// Topics, subscription groups, consumer offsets and a generic key space (transaction and
// timer state). All of it lives in memory (a LayeredMap, so reads are synchronous) and is
// written to LevelDB by the state machine's checkpoint, atomically with the applied index.
//
// Value encoding (LevelDB and snapshots): topics and groups as JSON, offsets as a decimal
// string, generic values as raw bytes. Keys: `topic/<name>`, `group/<name>`,
// `offset/<group>\0<topic>\0<queueId>`, `kv/<key>`.

import { assertUint } from './assert.ts';
import { MalformedError } from './errors.ts';
import { type Layer, LayeredMap } from './layered-map.ts';
import type { GroupConfig, TopicConfig } from './metadata-types.ts';

export type MetaValue =
  | { readonly type: 'topic'; readonly topic: TopicConfig }
  | { readonly type: 'group'; readonly group: GroupConfig }
  | { readonly type: 'offset'; readonly offset: number }
  | { readonly type: 'kv'; readonly value: Uint8Array };

const P = { topic: 'topic/', group: 'group/', offset: 'offset/', kv: 'kv/' } as const;

function offsetKey(group: string, topic: string, queueId: number): string {
  return `${P.offset}${group}\u0000${topic}\u0000${queueId}`;
}

export interface ConsumerOffset {
  readonly topic: string;
  readonly queueId: number;
  readonly offset: number;
}

export class Metadata {
  private readonly map = new LayeredMap<MetaValue>();
  /** Bumped on every change: the topic memo below is valid for one version. */
  private version = 0;
  /** The last topic looked up (apply looks one up per entry, nearly always the same few). */
  private memo: { name: string; version: number; topic: TopicConfig | undefined } = { name: '', version: -1, topic: undefined };

  /** Loads durable entries (LevelDB or snapshot), given as encoded (key, bytes) pairs. */
  load(entries: Iterable<[string, Uint8Array]>): void {
    this.version += 1;
    this.map.load(decodeAll(entries));
  }

  topic(name: string): TopicConfig | undefined {
    const m = this.memo;
    if (m.version === this.version && m.name === name) return m.topic;
    const v = this.map.get(P.topic + name);
    const topic = v?.type === 'topic' ? v.topic : undefined;
    this.memo = { name, version: this.version, topic };
    return topic;
  }

  topics(): TopicConfig[] {
    return this.map.entries(P.topic).map(([, v]) => (v as { topic: TopicConfig }).topic);
  }

  putTopic(t: TopicConfig): void {
    this.version += 1;
    this.map.set(P.topic + t.name, { type: 'topic', topic: t });
  }

  deleteTopic(name: string): void {
    this.version += 1;
    this.map.delete(P.topic + name);
  }

  group(name: string): GroupConfig | undefined {
    const v = this.map.get(P.group + name);
    return v?.type === 'group' ? v.group : undefined;
  }

  groups(): GroupConfig[] {
    return this.map.entries(P.group).map(([, v]) => (v as { group: GroupConfig }).group);
  }

  putGroup(g: GroupConfig): void {
    this.version += 1;
    this.map.set(P.group + g.name, { type: 'group', group: g });
  }

  deleteGroup(name: string): void {
    this.version += 1;
    this.map.delete(P.group + name);
  }

  consumerOffset(group: string, topic: string, queueId: number): number | undefined {
    const v = this.map.get(offsetKey(group, topic, queueId));
    return v?.type === 'offset' ? v.offset : undefined;
  }

  consumerOffsets(group: string): ConsumerOffset[] {
    return this.map.entries(`${P.offset}${group}\u0000`).map(([k, v]) => {
      const [, topic, queueId] = k.slice(P.offset.length).split('\u0000');
      return { topic, queueId: Number(queueId), offset: (v as { offset: number }).offset };
    });
  }

  setConsumerOffset(group: string, topic: string, queueId: number, offset: number): void {
    this.version += 1;
    assertUint(offset, 'consumer offset');
    this.map.set(offsetKey(group, topic, queueId), { type: 'offset', offset });
  }

  kv(key: string): Uint8Array | undefined {
    const v = this.map.get(P.kv + key);
    return v?.type === 'kv' ? v.value : undefined;
  }

  kvEntries(prefix = ''): [string, Uint8Array][] {
    return this.map.entries(P.kv + prefix).map(([k, v]) => [k.slice(P.kv.length), (v as { value: Uint8Array }).value]);
  }

  putKv(key: string, value: Uint8Array): void {
    this.version += 1;
    this.map.set(P.kv + key, { type: 'kv', value: Buffer.from(value) });
  }

  deleteKv(key: string): void {
    this.version += 1;
    this.map.delete(P.kv + key);
  }

  /** Everything (newest view), encoded and sorted: what tests compare across replicas. */
  encodedEntries(): [string, Uint8Array][] {
    return this.map.entries().map(([k, v]) => [k, encodeMetaValue(v)]);
  }

  /** The durable contents, encoded and sorted: what a snapshot carries. */
  durableEncodedEntries(): [string, Uint8Array][] {
    return this.map.durableEntries().map(([k, v]) => [k, encodeMetaValue(v)]);
  }

  durableKeys(): string[] {
    return [...this.map.durableKeys()];
  }

  replaceAll(entries: Iterable<[string, Uint8Array]>): void {
    this.version += 1;
    this.map.replaceAll(decodeAll(entries));
  }

  beginFlush(): Layer<MetaValue> {
    return this.map.beginFlush();
  }

  endFlush(): void {
    this.map.endFlush();
  }
}

export function encodeMetaValue(v: MetaValue): Uint8Array {
  switch (v.type) {
    case 'topic': return Buffer.from(JSON.stringify(v.topic));
    case 'group': return Buffer.from(JSON.stringify(v.group));
    case 'offset': return Buffer.from(String(v.offset));
    case 'kv': return v.value;
  }
}

export function decodeMetaValue(key: string, bytes: Uint8Array): MetaValue {
  const text = (): string => Buffer.from(bytes).toString('utf8');
  try {
    if (key.startsWith(P.topic)) return { type: 'topic', topic: JSON.parse(text()) as TopicConfig };
    if (key.startsWith(P.group)) return { type: 'group', group: JSON.parse(text()) as GroupConfig };
    if (key.startsWith(P.offset)) {
      const offset = Number(text());
      if (!Number.isSafeInteger(offset) || offset < 0) throw new Error(`bad offset ${text()}`);
      return { type: 'offset', offset };
    }
    if (key.startsWith(P.kv)) return { type: 'kv', value: Buffer.from(bytes) };
  } catch (err) {
    throw new MalformedError('metadata value', `key ${JSON.stringify(key)}`, { cause: err });
  }
  throw new MalformedError('metadata key', JSON.stringify(key));
}

function decodeAll(entries: Iterable<[string, Uint8Array]>): [string, MetaValue][] {
  const out: [string, MetaValue][] = [];
  for (const [k, b] of entries) out.push([k, decodeMetaValue(k, b)]);
  return out;
}
