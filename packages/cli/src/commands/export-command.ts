// exportMessage: every message of a topic, queue by queue from its oldest offset, as JSON lines
// (one message each, body in base64) to a file or stdout. Reads each group's leader in bounded
// batches; a progress bar shows on a terminal when writing to a file.

import { closeSync, openSync, writeSync } from 'node:fs';
import type { BrokerAdminClient } from '../broker-admin.ts';
import { progressBar } from '../progress.ts';
import { intFlag, optionalString, required } from './command-args.ts';
import { emit, type Command } from './command.ts';
import { adminTargets } from './cluster-view.ts';
import { withAdmin } from './topic-commands.ts';

export const exportMessagesMaxDefault = 1_000_000;

export interface ExportSummary {
  readonly topic: string;
  readonly file: string;
  readonly messages: number;
  /** Per broker group and queue: the offsets exported, [from, to). */
  readonly queues: ReadonlyArray<{ readonly brokerName: string; readonly queueId: number; readonly from: number; readonly to: number }>;
}

/** Exports one queue from `from` to `to` (or `budget` messages); returns how many it wrote. */
async function exportQueue(c: BrokerAdminClient, topic: string, queueId: number, from: number, to: number, budget: number, write: (line: string) => void, tick: (n: number) => void): Promise<number> {
  let offset = from;
  let written = 0;
  while (offset < to && written < budget) {
    const r = await c.readQueue(topic, queueId, offset);
    // No message at or after `offset` (or the queue was cut meanwhile): done with this queue.
    if (r.messages.length === 0 || r.nextOffset <= offset) break;
    const take = r.messages.slice(0, budget - written);
    write(take.map((m) => `${JSON.stringify(m)}\n`).join(''));
    written += take.length;
    tick(take.length);
    offset = r.nextOffset;
  }
  return written;
}

export const exportMessage: Command = {
  name: 'exportMessage',
  summary: 'writes every message of a topic as JSON lines (body in base64), oldest first per queue',
  usage: `-t topic [-f file (stdout)] [--max N (${exportMessagesMaxDefault})] [-b broker] [-c cluster]`,
  options: { topic: { type: 'string', short: 't' }, file: { type: 'string', short: 'f' }, max: { type: 'string' }, brokerAddr: { type: 'string', short: 'b' }, clusterName: { type: 'string', short: 'c' } },
  async run(values, io) {
    const topic = required(values, 'topic', '-t topic', 'exportMessage');
    const file = optionalString(values, 'file');
    const max = intFlag(values, 'max', '--max', 1, 100_000_000) ?? exportMessagesMaxDefault;
    const targets = await adminTargets(io.namesrv, optionalString(values, 'brokerAddr'), optionalString(values, 'clusterName'), io.timeoutMs);
    const fd = file === undefined ? null : openSync(file, 'w');
    const write = fd === null ? (s: string) => io.out(s) : (s: string) => void writeSync(fd, s);
    const queues: Array<{ brokerName: string; queueId: number; from: number; to: number }> = [];
    let total = 0;
    try {
      for (const t of targets) {
        await withAdmin(t.admin, io.timeoutMs, async (c) => {
          const status = await c.topicStatus(topic);
          const planned = status.queues.reduce((n, q) => n + (q.maxOffset - q.minOffset), 0);
          // Drawn only when the messages go to a file: on stdout they would interleave with it.
          const progress = progressBar(`exportMessage ${status.brokerName}`, Math.min(planned, max - total), io.interactive && fd !== null);
          try {
            for (const q of status.queues) {
              if (total >= max) break;
              const n = await exportQueue(c, topic, q.queueId, q.minOffset, q.maxOffset, max - total, write, (k) => progress.tick(k));
              total += n;
              queues.push({ brokerName: status.brokerName, queueId: q.queueId, from: q.minOffset, to: q.minOffset + n });
            }
          } finally {
            progress.stop();
          }
        });
      }
    } finally {
      if (fd !== null) closeSync(fd);
    }
    const summary: ExportSummary = { topic, file: file ?? '-', messages: total, queues };
    if (fd !== null) emit(io, summary, () => `exported ${total} message(s) of ${topic} to ${file}\n`);
    return 0;
  },
};
