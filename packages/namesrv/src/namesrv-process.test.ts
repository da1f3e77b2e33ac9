// Black-box: the NameServer as a real OS process (node --import tsx main.ts), driven with
// NamesrvClient over loopback, stopped with SIGTERM by its PID.

import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { BrokerRegistration } from '@ledgermq/protocol';
import { NamesrvUnavailableError, TopicNotFoundError } from './errors.ts';
import { NamesrvClient } from './namesrv-client.ts';
import { until } from './poll.test-util.ts';

const mainPath = fileURLToPath(new URL('./main.ts', import.meta.url));
const repoRoot = path.resolve(path.dirname(mainPath), '../../..');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

interface Started {
  readonly child: ChildProcess;
  readonly lines: Array<Record<string, unknown>>;
  readonly stderr: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(args: string[]): Started {
  const child = spawn(process.execPath, ['--import', 'tsx', mainPath, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Array<Record<string, unknown>> = [];
  const stderr: string[] = [];
  let buffered = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        lines.push({ raw: line });
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, lines, stderr, exited };
}

function reg(i: number): BrokerRegistration {
  return {
    clusterName: 'DefaultCluster',
    brokerName: 'broker-a',
    brokerId: i + 1,
    nodeId: `n${i}`,
    role: i === 0 ? 'LEADER' : 'FOLLOWER',
    raftTerm: 1,
    v2Endpoint: { host: '127.0.0.1', port: 28_081 + i },
    adminAddress: `127.0.0.1:${28_181 + i}`,
    topics: [{ name: 'TopicTest', readQueueNums: 4, writeQueueNums: 4, perm: 6, messageTypes: ['NORMAL'] }],
    incarnation: `run-${i}`,
    sequence: 1,
  };
}

const running: Started[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) {
    if (s.child.exitCode === null && s.child.signalCode === null && s.child.pid !== undefined) {
      process.kill(s.child.pid, 'SIGKILL');
      await s.exited;
    }
  }
});

describe('namesrv process', () => {
  it('serves registrations and routes, expires silent nodes, stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const proc = start(['--host', '127.0.0.1', '--port', String(port), '--expire-ms', '1500', '--scan-interval-ms', '100']);
    running.push(proc);
    const listening = await until('the listening log line', () => proc.lines.find((l) => l['msg'] === 'namesrv listening'), 30_000);
    expect(listening).toMatchObject({ port, expireMs: 1500, scanIntervalMs: 100 });

    const client = new NamesrvClient(`127.0.0.1:${port}`, { timeoutMs: 2_000 });
    try {
      await until('first registration', () => client.register(reg(0)));
      await client.register(reg(1));
      const route = await client.queryRoute('TopicTest');
      expect(route.groups.map((g) => [g.brokerName, g.leaderNodeId, g.queues.writeQueueNums])).toEqual([['broker-a', 'n0', 4]]);
      expect(route.groups[0]!.nodes.map((n) => [n.nodeId, n.brokerId, n.role, n.v2Endpoint.port])).toEqual([
        ['n0', 0, 'LEADER', 28_081],
        ['n1', 2, 'FOLLOWER', 28_082],
      ]);
      await expect(client.queryRoute('Missing')).rejects.toBeInstanceOf(TopicNotFoundError);
      expect(await client.listTopics()).toEqual(['TopicTest']);

      // Both go silent: the scan drops them and says so in the log.
      await until('expiry of both nodes', async () => {
        const err = await client.queryRoute('TopicTest').then(() => null, (e: unknown) => e);
        return err instanceof TopicNotFoundError;
      });
      await until('the expiry log lines', () => proc.lines.filter((l) => l['msg'] === 'broker node expired').length === 2);

      process.kill(proc.child.pid!, 'SIGTERM');
      expect(await proc.exited).toEqual({ code: 0, signal: null });
      expect(proc.lines.some((l) => l['msg'] === 'namesrv stopped')).toBe(true);
      expect(proc.stderr.join('')).toBe('');
      await expect(client.listTopics()).rejects.toBeInstanceOf(NamesrvUnavailableError);
    } finally {
      client.close();
    }
  });

  it('exits with code 2 and a readable message on a bad command line', async () => {
    const proc = start(['--port', 'nine']);
    running.push(proc);
    expect(await proc.exited).toEqual({ code: 2, signal: null });
    expect(proc.stderr.join('')).toMatch(/^namesrv: --port must be a whole number, got "nine"\nusage: namesrv/);
  });
});
