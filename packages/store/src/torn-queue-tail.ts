// A torn last ConsumeQueue write, made on purpose after a power loss (jepsen-lite's `power-loss`
// with tearing, store-crash.test.ts): a random-length strict prefix of a few plausible next
// records (each continuing the physical offsets of the one before) is appended to the newest
// file of one queue, or starts the next file when that one is full. Open must cut it: it lies
// past the checkpoint's next offset. Test tooling: it writes the files of a store no process
// has open, with node:fs, and fsyncs them.

import { closeSync, existsSync, fsyncSync, openSync, readdirSync, readSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { assert } from './assert.ts';
import { cqFileNameDigits, cqFileRecordsDefault, cqRecordBytes } from './constants.ts';
import { putCqRecord, readCqRecord } from './cq-record.ts';

/** At most this many records are in the torn write (its strict prefix is kept). */
export const tornQueueRecordsMax = 4;
/** Size range of the plausible records' messages. */
const tornMessageBytesMin = 64;
const tornMessageBytesMax = 4096;

export interface TornQueueTail {
  /** `<topic>/<queueId>/<file>` under `consumequeue/`. */
  readonly file: string;
  /** Byte position in the file where the torn write starts (the file's end before tearing). */
  readonly pos: number;
  readonly keptBytes: number;
  readonly writeBytes: number;
}

export interface TearQueueOptions {
  /** The store's directory (holds `consumequeue/`). */
  readonly storeDir: string;
  /** The store's records per file (StoreOptions.cqRecordsPerFile). */
  readonly recordsPerFile?: number;
  /** In [0, 1): which queue, how many records, their values and how much is kept. */
  readonly random: () => number;
}

/** Tears one queue's tail; null (nothing written) when the store has no queue directory. */
export function tearQueueTail(o: TearQueueOptions): TornQueueTail | null {
  const perFile = o.recordsPerFile ?? cqFileRecordsDefault;
  assert(Number.isSafeInteger(perFile) && perFile >= 1, `recordsPerFile ${perFile}`);
  const root = path.join(o.storeDir, 'consumequeue');
  const queues = listQueueDirs(root);
  if (queues.length === 0) return null;
  const dir = queues[Math.floor(o.random() * queues.length)]!;
  const starts = readdirSync(path.join(root, dir)).filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b);
  let start = starts.length === 0 ? 0 : starts[starts.length - 1]!;
  let pos = starts.length === 0 ? 0 : statSync(filePath(root, dir, start)).size;
  const prev = lastRecordOf(filePath(root, dir, start), pos);
  if (pos >= perFile * cqRecordBytes) {
    start += perFile;
    pos = 0;
  }
  const records = 1 + Math.floor(o.random() * tornQueueRecordsMax);
  const buf = Buffer.alloc(records * cqRecordBytes);
  let physicalOffset = prev === null ? 0 : prev.physicalOffset + prev.size;
  for (let k = 0; k < records; k++) {
    const size = tornMessageBytesMin + Math.floor(o.random() * (tornMessageBytesMax - tornMessageBytesMin));
    putCqRecord(buf, k * cqRecordBytes, physicalOffset, size, Math.floor(o.random() * 2 ** 32));
    physicalOffset += size;
  }
  // A strict prefix, at least one byte: that is what makes it torn.
  const keptBytes = 1 + Math.floor(o.random() * (buf.length - 1));
  assert(keptBytes >= 1 && keptBytes < buf.length, `kept ${keptBytes} of ${buf.length}`);
  const file = filePath(root, dir, start);
  const fd = openSync(file, existsSync(file) ? 'r+' : 'w+');
  try {
    writeSync(fd, buf, 0, keptBytes, pos);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return { file: path.relative(root, file), pos, keptBytes, writeBytes: buf.length };
}

/** `<topic>/<queueId>` of every queue directory, sorted (deterministic for a given random). */
function listQueueDirs(root: string): string[] {
  if (!existsSync(root)) return [];
  const out: string[] = [];
  for (const topic of readdirSync(root).sort()) {
    for (const q of readdirSync(path.join(root, topic)).sort()) out.push(`${topic}/${q}`);
  }
  return out;
}

function filePath(root: string, dir: string, start: number): string {
  return path.join(root, dir, String(start).padStart(cqFileNameDigits, '0'));
}

/** The last whole record before `size` in a file, or null when there is none. */
function lastRecordOf(file: string, size: number): { physicalOffset: number; size: number } | null {
  const whole = Math.floor(size / cqRecordBytes);
  if (whole === 0) return null;
  const buf = Buffer.alloc(cqRecordBytes);
  const fd = openSync(file, 'r');
  try {
    if (readSync(fd, buf, 0, cqRecordBytes, (whole - 1) * cqRecordBytes) !== cqRecordBytes) return null;
  } finally {
    closeSync(fd);
  }
  return readCqRecord(buf, 0);
}
