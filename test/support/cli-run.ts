// The real `ledgermq` CLI as a child process, and the broker group the CLI black-box tests run
// it against (a NameServer and three broker nodes as real processes, all registered).

import { spawn } from 'node:child_process';
import { NamesrvClient } from '@ledgermq/namesrv';
import { LocalCluster } from '@ledgermq/broker/local';
import { tmpDir } from './tmp-dir.ts';
import { waitFor } from './wait.ts';

export const cliMain = 'packages/cli/src/main.ts';

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program to its exit (killed after `timeoutMs`). */
export function runProgram(cmd: string, args: readonly string[], timeoutMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} did not exit within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export function cli(args: readonly string[], timeoutMs = 30_000): Promise<Run> {
  return runProgram(process.execPath, ['--import', 'tsx', cliMain, ...args], timeoutMs);
}

/** stdout of a command that must succeed. */
export async function ok(args: readonly string[]): Promise<string> {
  const r = await cli(args);
  if (r.code !== 0) throw new Error(`ledgermq ${args.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

export interface CliCluster {
  readonly cluster: LocalCluster;
  readonly namesrvAddr: string;
  readonly namesrv: NamesrvClient;
  close(): Promise<void>;
}

/** A NameServer and broker-a's three nodes, every node registered and a leader among them. */
export async function startCliCluster(name: string): Promise<CliCluster> {
  const t = tmpDir(name);
  const cluster = await LocalCluster.create({ dataDir: t.dir, ports: 'auto', tickMs: 20, electionTicks: 10, extraProps: { registerNameServerPeriod: '500' } });
  const close = async () => {
    await cluster.close();
    t.cleanup();
  };
  try {
    cluster.startAll();
    await cluster.waitForNamesrvs(30_000);
    await cluster.waitForLeader('broker-a', { timeoutMs: 30_000 });
    const addr = cluster.namesrvAddr();
    const ns = new NamesrvClient(addr, { timeoutMs: 2_000 });
    await waitFor('all three nodes registered with a leader', async () => {
      const g = (await ns.clusterInfo())[0]?.groups[0];
      return g !== undefined && g.nodes.length === 3 && g.nodes.some((x) => x.brokerId === 0);
    }, 30_000, 100);
    return {
      cluster, namesrvAddr: addr, namesrv: ns,
      async close() {
        ns.close();
        await close();
      },
    };
  } catch (err) {
    await close();
    throw err;
  }
}
