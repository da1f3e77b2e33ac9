// A Raft group of real node processes on loopback: what `npm start`, the black-box tests
// and the benchmark run. Each node is its own OS process (tsx), with its own data
// directory, log file, peer port and admin port.

import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AdminClient } from './admin/admin-client.ts';
import { configToProperties, type NodeConfig } from './config.ts';
import { adminPortBase, electionTicksDefault, heartbeatTicksDefault, peerPortBase, retentionMaxAgeMsDefault, segmentBytesDefault, tickMsDefault } from './constants.ts';

const mainPath = fileURLToPath(new URL('./main.ts', import.meta.url));

export interface LocalGroupOptions {
  readonly dataDir: string;
  readonly nodes?: number;
  readonly groupId?: string;
  /** Fixed ports (npm start) or 'auto' (tests: free ports from the OS). */
  readonly ports?: 'fixed' | 'auto';
  readonly segmentBytes?: number;
  readonly tickMs?: number;
  readonly electionTicks?: number;
  readonly retentionMaxAgeMs?: number;
  /** `raftLeaderBeacon` of every node (default true). */
  readonly leaderBeacon?: boolean;
  /** Extra node.js flags for every node process (e.g. `--cpu-prof` when profiling). */
  readonly nodeArgs?: readonly string[];
}

export interface NodeHandle {
  readonly id: string;
  readonly config: NodeConfig;
  readonly configFile: string;
  readonly admin: AdminClient;
  process: ChildProcess | null;
}

export class LocalGroup {
  private constructor(
    readonly nodes: NodeHandle[],
    private readonly nodeArgs: readonly string[] = [],
  ) {}

  static async create(opts: LocalGroupOptions): Promise<LocalGroup> {
    const n = opts.nodes ?? 3;
    const groupId = opts.groupId ?? 'RaftGroup-a';
    const peerPorts = opts.ports === 'fixed' ? range(n).map((i) => peerPortBase + i) : await freePorts(n);
    const adminPorts = opts.ports === 'fixed' ? range(n).map((i) => adminPortBase + i) : await freePorts(n);
    const peers = range(n).map((i) => `n${i}-127.0.0.1:${peerPorts[i]}`).join(';');
    const nodes = range(n).map((i): NodeHandle => {
      const dataDir = path.resolve(opts.dataDir, `n${i}`);
      mkdirSync(dataDir, { recursive: true });
      const config: NodeConfig = {
        groupId,
        selfId: `n${i}`,
        peers,
        dataDir,
        adminHost: '127.0.0.1',
        adminPort: adminPorts[i]!,
        segmentBytes: opts.segmentBytes ?? segmentBytesDefault,
        retentionMaxAgeMs: opts.retentionMaxAgeMs ?? retentionMaxAgeMsDefault,
        tickMs: opts.tickMs ?? tickMsDefault,
        electionTicks: opts.electionTicks ?? electionTicksDefault,
        heartbeatTicks: heartbeatTicksDefault,
        leaderBeacon: opts.leaderBeacon ?? true,
        verifyOnStart: true,
        diskMaxUsedSpaceRatioPercent: 75,
        plantedBug: null,
      };
      const configFile = path.join(dataDir, 'node.conf');
      writeFileSync(configFile, configToProperties(config));
      return { id: config.selfId, config, configFile, admin: new AdminClient(`127.0.0.1:${config.adminPort}`), process: null };
    });
    return new LocalGroup(nodes, opts.nodeArgs);
  }

  node(id: string): NodeHandle {
    const h = this.nodes.find((x) => x.id === id);
    if (!h) throw new Error(`no node ${id}`);
    return h;
  }

  startAll(): void {
    for (const h of this.nodes) this.start(h.id);
  }

  /** Starts a node process; its JSON log goes to <dataDir>/node.log. */
  start(id: string): ChildProcess {
    const h = this.node(id);
    if (h.process && h.process.exitCode === null && h.process.signalCode === null) throw new Error(`${id} already running`);
    const out = createWriteStream(path.join(h.config.dataDir, 'node.log'), { flags: 'a' });
    const child = spawn(process.execPath, [...this.nodeArgs, '--import', 'tsx', mainPath, '-c', h.configFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env },
    });
    child.stdout!.pipe(out);
    child.stderr!.pipe(out);
    h.process = child;
    return child;
  }

  /** kill -9 (or another signal); resolves when the process has exited. */
  async kill(id: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const h = this.node(id);
    const child = h.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }

  isRunning(id: string): boolean {
    const c = this.node(id).process;
    return c !== null && c.exitCode === null && c.signalCode === null;
  }

  /** Stops every node with SIGTERM (clean shutdown), SIGKILL after a grace period. */
  async stopAll(graceMs = 5_000): Promise<void> {
    await Promise.all(
      this.nodes.map(async (h) => {
        const child = h.process;
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }),
    );
    for (const h of this.nodes) h.admin.close();
  }

  /** Status of every running node that answers (others are omitted). */
  async statuses(): Promise<Map<string, any>> {
    const out = new Map<string, any>();
    await Promise.all(
      this.nodes.map(async (h) => {
        if (!this.isRunning(h.id)) return;
        try {
          out.set(h.id, await h.admin.status(1_000));
        } catch {
          /* not up yet, or unreachable */
        }
      }),
    );
    return out;
  }

  /**
   * Polls until a leader that running nodes agree on exists (optionally not `excluding`),
   * and it has committed an entry of its term. Throws after `timeoutMs`.
   */
  async waitForLeader(opts: { timeoutMs?: number; excluding?: string; minTerm?: number } = {}): Promise<{ id: string; term: number }> {
    const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
    let last = '';
    while (Date.now() < deadline) {
      const st = await this.statuses();
      for (const [id, s] of st) {
        if (s.role !== 'leader' || id === opts.excluding) continue;
        if (opts.minTerm !== undefined && s.term < opts.minTerm) continue;
        if (s.readIndex === null) continue; // its no-op is not committed yet
        return { id, term: s.term };
      }
      last = JSON.stringify([...st].map(([id, s]) => [id, s.role, s.term, s.leader]));
      await delay(50);
    }
    throw new Error(`no leader within the deadline; last statuses ${last}`);
  }
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Ports the OS says are free right now (bound to port 0, then released). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    range(n).map(
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const s = net.createServer();
          s.once('error', reject);
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
