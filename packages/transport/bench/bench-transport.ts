// Throughput of the peer transport: a sender streams Append messages carrying 64 x 1 KiB
// entries to a receiver on loopback; the receiver answers each batch with an AppendResp, and
// the sender keeps a bounded window of unanswered messages in flight (as Raft's pipelining does).
//
//   npx tsx packages/transport/bench/bench-transport.ts [--seconds 5] [--window 64] [--fork]
//
// --fork runs the receiver in a child process (two event loops, as in a real group).

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Entry, Message } from '@ledgermq/raft';
import { GrpcTransport } from '../src/index.ts';

const entriesPerMessage = 64;
const entryBytes = 1024;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}

function baseMessage(from: string, to: string): Message {
  return { type: 4, from, to, term: 1, index: 0, logTerm: 1, entries: [], commit: 0, reject: false, rejectHint: 0, snapshot: null, transfer: false };
}

/** Receiver: counts entries and acknowledges every batch with one AppendResp carrying the last index. */
async function runReceiver(port: number, senderAddress: string | null): Promise<GrpcTransport> {
  const peers = new Map<string, string>(senderAddress === null ? [] : [['s', senderAddress]]);
  const t = new GrpcTransport({ selfId: 'r', groupId: 'bench', listen: { host: '127.0.0.1', port }, peers });
  t.onMessages((msgs) => {
    const last = msgs[msgs.length - 1];
    t.send([{ ...baseMessage('r', 's'), type: 5, index: last.index + last.entries.length }]);
  });
  await t.start();
  return t;
}

async function main(): Promise<void> {
  if (process.argv[2] === 'receiver') {
    const t = await runReceiver(0, process.argv[3]);
    process.stdout.write(`port ${t.port()}\n`);
    process.on('SIGTERM', () => void t.stop().then(() => process.exit(0)));
    return;
  }
  const seconds = arg('seconds', 5);
  const window = arg('window', 64);
  const fork = process.argv.includes('--fork');

  const sender = new GrpcTransport({ selfId: 's', groupId: 'bench', listen: { host: '127.0.0.1', port: 0 }, peers: new Map() });
  let acked = 0;
  let sentIndex = 0;
  const data = Buffer.alloc(entryBytes, 0x61);
  const pump = (): void => {
    const batch: Message[] = [];
    while (sentIndex - acked < window * entriesPerMessage) {
      const entries: Entry[] = [];
      for (let i = 0; i < entriesPerMessage; i++) entries.push({ index: sentIndex + i + 1, term: 1, type: 0, data });
      batch.push({ ...baseMessage('s', 'r'), index: sentIndex, entries });
      sentIndex += entriesPerMessage;
    }
    if (batch.length > 0) sender.send(batch);
  };
  const onAcks = (msgs: Message[]): void => {
    for (const m of msgs) acked = Math.max(acked, m.index);
    pump();
  };
  await sender.start();
  const senderAddress = `127.0.0.1:${sender.port()}`;

  let stopReceiver: () => Promise<void>;
  let receiverAddress: string;
  if (fork) {
    const self = fileURLToPath(import.meta.url);
    const tsx = import.meta.resolve('tsx');
    const child = spawn(process.execPath, ['--import', tsx, self, 'receiver', senderAddress], { stdio: ['ignore', 'pipe', 'inherit'] });
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        const m = /port (\d+)/.exec(chunk.toString());
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', (code) => reject(new Error(`receiver exited with ${code}`)));
    });
    receiverAddress = `127.0.0.1:${port}`;
    stopReceiver = async () => {
      child.kill('SIGTERM');
    };
  } else {
    const receiver = await runReceiver(0, senderAddress);
    receiverAddress = `127.0.0.1:${receiver.port()}`;
    stopReceiver = () => receiver.stop();
  }
  sender.setPeers(new Map([['r', receiverAddress]]));
  const deadline = Date.now() + 10_000;
  while (!sender.stats().r?.connected) {
    if (Date.now() > deadline) throw new Error('receiver never connected');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  // Probe with empty Appends until one is answered: both directions are then up (a message sent
  // before a link is accepted may be dropped, as Raft expects of a transport).
  let answered = false;
  sender.onMessages(() => {
    answered = true;
  });
  const ackDeadline = Date.now() + 10_000;
  while (!answered) {
    if (Date.now() > ackDeadline) throw new Error('no answer from the receiver');
    sender.send([{ ...baseMessage('s', 'r'), index: 0 }]);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  sender.onMessages(onAcks);
  pump();

  const startAcked = acked;
  const start = process.hrtime.bigint();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const elapsedS = Number(process.hrtime.bigint() - start) / 1e9;
  const entries = acked - startAcked;
  const mb = (entries * entryBytes) / 1e6;
  const s = sender.stats().r;
  console.log(
    `${fork ? '2 processes' : '1 process'}: ${(entries / entriesPerMessage / elapsedS).toFixed(0)} messages/s, ` +
      `${(entries / elapsedS).toFixed(0)} entries/s, ${(mb / elapsedS).toFixed(1)} MB/s ` +
      `(window ${window} x ${entriesPerMessage} x ${entryBytes} B, frames ${s.sentFrames}, dropped ${s.droppedMessages})`,
  );
  await sender.stop();
  await stopReceiver();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
