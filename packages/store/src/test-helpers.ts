// Shared by the store's tests (not part of the public API).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ledger, RealFileSystem } from '@ledgermq/ledger';
import { type Entry, EntryType } from '@ledgermq/raft';
import { encodeCommand } from './commands.ts';
import { CommandKind } from './command-kind.ts';
import { encodeMessageBatch } from './message-codec.ts';
import { emptyProperties, type MessageInput, type MessageProperties } from './message.ts';
import { topicConfig } from './metadata-types.ts';

export function tempDir(name: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), `ledgermq-store-${name}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function openLedger(dir: string): Ledger {
  return Ledger.open({ fs: new RealFileSystem(), dir, groupId: 'g1', segmentBytes: 64 * 1024 });
}

export function message(body: string, props: Partial<MessageProperties> = {}, bornTimestampMs = 1_700_000_000_000): MessageInput {
  return {
    flag: 0, sysFlag: 0, reconsumeTimes: 0, bornHost: '10.0.0.9:50000', bornTimestampMs,
    properties: emptyProperties(props), body: Buffer.from(body),
  };
}

export function batchBody(topic: string, queueId: number, messages: MessageInput[], storeTimestampMs: number): Uint8Array {
  return encodeMessageBatch({ topic, queueId, storeHost: '10.0.0.1:10911', storeTimestampMs, messages });
}

export function createTopicBody(name: string, queues = 4): Uint8Array {
  return encodeCommand({ kind: CommandKind.TopicCreate, topic: topicConfig(name, { readQueueNums: queues, writeQueueNums: queues }) });
}

/** Appends bodies as Normal entries (term 1) after the ledger's last index, fsyncs, returns the entries. */
export function appendBodies(ledger: Ledger, bodies: readonly (Uint8Array | Entry['type'])[]): Entry[] {
  let index = ledger.lastIndex();
  const entries: Entry[] = bodies.map((b) => {
    index += 1;
    if (typeof b === 'number') return { index, term: 1, type: b, data: new Uint8Array(0) };
    return { index, term: 1, type: EntryType.Normal, data: b };
  });
  ledger.append(entries);
  ledger.sync();
  return entries;
}
