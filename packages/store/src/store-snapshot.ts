// The snapshot a lagging replica installs: last included index, voters, each queue's state and
// the metadata contents. Layout (little-endian): magic u32 'LQSS', version u8, index u64,
// voters (u16 count + strings, count 0xffff = none), queues (u32 count + topic, queueId u16,
// min u64, next u64), metadata (u32 count + key string, u32 length + value), CRC32C u32 of all
// bytes before it.

import { crc32c } from '@node-rs/crc32';
import { ByteReader } from './byte-reader.ts';
import { ByteWriter } from './byte-writer.ts';
import { metaValueBytesMax, snapshotBytesMax, stringBytesMax } from './constants.ts';
import type { QueueState } from './consume-queue.ts';
import { type QueueKey, parseQueueKey, queueKey } from './consume-queue-set.ts';
import { MalformedError } from './errors.ts';
import { isValidQueueId, isValidTopic } from './names.ts';

const magic = 0x5353514c;
const version = 1;
const noVoters = 0xffff;
const what = 'store snapshot';

export interface StoreSnapshot {
  readonly index: number;
  readonly voters: readonly string[] | null;
  readonly queues: ReadonlyMap<QueueKey, QueueState>;
  readonly metadata: readonly [string, Uint8Array][];
}

export function encodeStoreSnapshot(s: StoreSnapshot): Uint8Array {
  const w = new ByteWriter(4096);
  w.u32(magic);
  w.u8(version);
  w.u64(s.index);
  if (s.voters === null) w.u16(noVoters);
  else {
    w.u16(s.voters.length);
    for (const v of s.voters) w.str(v);
  }
  w.u32(s.queues.size);
  for (const [key, q] of s.queues) {
    const { topic, queueId } = parseQueueKey(key);
    w.str(topic);
    w.u16(queueId);
    w.u64(q.minOffset);
    w.u64(q.nextOffset);
  }
  w.u32(s.metadata.length);
  for (const [k, v] of s.metadata) {
    w.str(k);
    w.u32(v.length);
    w.bytes(v);
  }
  w.u32(crc32c(w.view()));
  return w.finish();
}

export function decodeStoreSnapshot(data: Uint8Array): StoreSnapshot {
  if (data.length < 9 || data.length > snapshotBytesMax) throw new MalformedError(what, `${data.length} bytes`);
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (crc32c(buf.subarray(0, buf.length - 4)) !== buf.readUInt32LE(buf.length - 4)) throw new MalformedError(what, 'CRC32C mismatch');
  const r = new ByteReader(data, what, 0, data.length - 4);
  if (r.u32() !== magic) r.fail('bad magic');
  if (r.u8() !== version) r.fail('unsupported version');
  const index = r.u64();
  const nVoters = r.u16();
  let voters: string[] | null = null;
  if (nVoters !== noVoters) {
    voters = [];
    for (let k = 0; k < nVoters; k++) voters.push(r.str(stringBytesMax, 'voter'));
  }
  const queues = new Map<QueueKey, QueueState>();
  const nQueues = r.bounded(0, r.remaining, 'queue count');
  for (let k = 0; k < nQueues; k++) {
    const topic = r.str(stringBytesMax, 'topic');
    const queueId = r.u16();
    if (!isValidTopic(topic) || !isValidQueueId(queueId)) r.fail(`bad queue ${topic}/${queueId}`);
    const minOffset = r.u64();
    const nextOffset = r.u64();
    if (minOffset > nextOffset) r.fail(`queue ${topic}/${queueId} min ${minOffset} > next ${nextOffset}`);
    queues.set(queueKey(topic, queueId), { minOffset, nextOffset });
  }
  const nMeta = r.bounded(0, r.remaining, 'metadata count');
  const metadata: [string, Uint8Array][] = [];
  for (let k = 0; k < nMeta; k++) {
    const key = r.str(stringBytesMax, 'metadata key');
    const n = r.bounded(0, metaValueBytesMax, 'metadata value bytes');
    metadata.push([key, Buffer.from(r.bytes(n, 'metadata value'))]);
  }
  r.expectEnd();
  return { index, voters, queues, metadata };
}
