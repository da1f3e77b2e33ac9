// A LedgerMQ cluster of real processes on loopback: NameServer(s) and one or more broker
// groups, each group a Raft group of broker node processes. What `npm start`, the black-box
// tests and the benchmarks run. Every process is started, signalled and stopped by its own
// handle (never by name); its output goes to a log file in its directory.
//
// The layout (names, ports, property files) is computed by the pure `planCluster`, so the
// deployment files (deploy/) can be checked against exactly what this writes.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NamesrvClient } from '@ledgermq/namesrv';
import { AdminClient, freePorts, nodeConstants } from '@ledgermq/raft-node';
import { assert } from '../assert.ts';
import { nodeEntryArgs } from './node-bundle.ts';
import { metricsPortBase, namesrvPortDefault, v2PortBase } from '../constants.ts';

/** The broker node process entry (`node --import tsx <this> -c broker.conf`). */
export const brokerMainPath = fileURLToPath(new URL('../main.ts', import.meta.url));
/** The NameServer process entry: main.ts beside the entry of @ledgermq/namesrv. */
export const namesrvMainPath = fileURLToPath(new URL('./main.ts', import.meta.resolve('@ledgermq/namesrv')));

export const clusterNameDefault = 'DefaultCluster';
export const loopbackHost = '127.0.0.1';
/** Fixed ports of broker group g are the base ports + g * this (group 0: 8081.., group 1: 8091..). */
export const groupPortStride = 10;
/** Fixed admin ports (40811 + 10 g + i) must stay below the peer ports (40911 + …). */
export const fixedPortGroupsMax = 10;
/** Broker names are broker-a … broker-z. */
export const brokerGroupsMax = 26;
export const namesrvCountMax = 9;
export const stopGraceMsDefault = 5_000;
const statusDeadlineMs = 1_000;
const pollIntervalMs = 50;

export type NodesPerGroup = 3 | 5;

export interface LocalClusterOptions {
  /** Everything goes under here: `<dataDir>/<brokerName>/<node>/`, `<dataDir>/namesrv-<i>/`. */
  readonly dataDir: string;
  readonly brokerGroups?: number;
  readonly nodesPerGroup?: NodesPerGroup;
  /** Fixed ports (npm start, the compose file's ports) or 'auto' (free ports from the OS: tests). */
  readonly ports: 'fixed' | 'auto';
  /** `mappedFileSizeCommitLog` */
  readonly segmentBytes?: number;
  /** `raftTickMs` */
  readonly tickMs?: number;
  /** `raftElectionTicks` */
  readonly electionTicks?: number;
  readonly namesrvCount?: number;
  /** More properties for every broker node; they override the generated ones of the same key. */
  readonly extraProps?: Readonly<Record<string, string>>;
  /** More environment variables for every process started (e.g. LEDGERMQ_TEST_MODE=1 for a planted bug). */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Where each process listens and is reached; default: everything on 127.0.0.1. jepsen-lite's
   * network namespaces give every node an address of its own (`group`, `index` from 0).
   */
  readonly hosts?: ClusterHosts;
  /**
   * A command that runs a process's program somewhere else, e.g. `ip netns exec NS` (by process
   * id: `namesrv-0`, `broker-a/n0`; empty = run it directly). It must exec the program, not fork
   * it: signals (kill, pause) go to the PID this starts.
   */
  readonly launchPrefix?: (id: string) => readonly string[];
}

export interface ClusterHosts {
  readonly namesrv: string;
  readonly node: (group: number, index: number) => string;
}

/** Ports of every process, by position. */
export interface ClusterPorts {
  readonly namesrv: readonly number[];
  readonly groups: ReadonlyArray<{
    readonly v2: readonly number[];
    readonly peer: readonly number[];
    readonly admin: readonly number[];
    readonly metrics: readonly number[];
  }>;
}

export interface NamesrvPlan {
  /** `namesrv-0`, … */
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly dir: string;
  readonly logFile: string;
  /** Command line of the NameServer process (after its main path). */
  readonly args: readonly string[];
}

export interface BrokerNodePlan {
  /** `broker-a/n0`: unique in the cluster. */
  readonly id: string;
  readonly brokerName: string;
  /** `dLegerSelfId`: n0, n1, … */
  readonly selfId: string;
  /** `storePathRootDir`; also holds the property file and node.log. */
  readonly dir: string;
  readonly configFile: string;
  readonly logFile: string;
  readonly host: string;
  readonly v2Port: number;
  readonly peerPort: number;
  readonly adminPort: number;
  readonly metricsPort: number;
  /** The property file's content, in file order. */
  readonly properties: ReadonlyArray<readonly [string, string]>;
}

export interface BrokerGroupPlan {
  readonly brokerName: string;
  readonly nodes: readonly BrokerNodePlan[];
}

export interface ClusterPlan {
  readonly clusterName: string;
  readonly namesrvs: readonly NamesrvPlan[];
  readonly groups: readonly BrokerGroupPlan[];
}

/** What the admin Status of a node says (the fields this file reads; the rest is passed along). */
export interface NodeStatus {
  readonly id: string;
  readonly role: string;
  readonly term: number;
  readonly leader: string | null;
  readonly commit: number;
  readonly applied: number;
  readonly readIndex: number | null;
  readonly disabled: boolean;
  readonly [key: string]: unknown;
}

export interface ProcessHandle {
  readonly id: string;
  readonly kind: 'namesrv' | 'broker';
  readonly logFile: string;
  process: ChildProcess | null;
  paused: boolean;
}

export interface BrokerNodeHandle extends ProcessHandle {
  readonly kind: 'broker';
  readonly plan: BrokerNodePlan;
  readonly admin: AdminClient;
}

export interface NamesrvHandle extends ProcessHandle {
  readonly kind: 'namesrv';
  readonly plan: NamesrvPlan;
}

export interface LeaderFound {
  /** `broker-a/n0` */
  readonly id: string;
  /** `n0` */
  readonly selfId: string;
  readonly term: number;
  readonly node: BrokerNodeHandle;
}

export interface WaitForLeaderOptions {
  readonly timeoutMs?: number;
  /** A node not to accept as the leader (its selfId `n0` or its id `broker-a/n0`). */
  readonly excluding?: string;
  readonly minTerm?: number;
}

// ---------------------------------------------------------------------------------------
// The plan (pure)

/** broker-a, broker-b, … */
export function brokerNameOf(group: number): string {
  assert(Number.isInteger(group) && group >= 0 && group < brokerGroupsMax, `group index ${group} out of 0..${brokerGroupsMax - 1}`);
  return `broker-${String.fromCharCode('a'.charCodeAt(0) + group)}`;
}

interface Shape {
  readonly groups: number;
  readonly nodes: NodesPerGroup;
  readonly namesrvs: number;
}

function shapeOf(opts: Pick<LocalClusterOptions, 'brokerGroups' | 'nodesPerGroup' | 'namesrvCount'>): Shape {
  const groups = opts.brokerGroups ?? 1;
  const nodes = opts.nodesPerGroup ?? 3;
  const namesrvs = opts.namesrvCount ?? 1;
  assert(Number.isInteger(groups) && groups >= 1 && groups <= brokerGroupsMax, `brokerGroups must be an integer in 1..${brokerGroupsMax}, got ${groups}`);
  assert(nodes === 3 || nodes === 5, `nodesPerGroup must be 3 or 5, got ${String(nodes)}`);
  assert(Number.isInteger(namesrvs) && namesrvs >= 1 && namesrvs <= namesrvCountMax, `namesrvCount must be an integer in 1..${namesrvCountMax}, got ${namesrvs}`);
  return { groups, nodes, namesrvs };
}

/**
 * The fixed ports: NameServer i on 9876 + i; node i of group g on v2 8081 + 10 g + i,
 * peer 40911 + 10 g + i, admin 40811 + 10 g + i, metrics 5557 + 10 g + i.
 */
export function fixedPorts(opts: Pick<LocalClusterOptions, 'brokerGroups' | 'nodesPerGroup' | 'namesrvCount'> = {}): ClusterPorts {
  const s = shapeOf(opts);
  assert(s.groups <= fixedPortGroupsMax, `fixed ports allow at most ${fixedPortGroupsMax} broker groups, got ${s.groups}`);
  const at = (base: number, g: number) => range(s.nodes).map((i) => base + g * groupPortStride + i);
  return {
    namesrv: range(s.namesrvs).map((i) => namesrvPortDefault + i),
    groups: range(s.groups).map((g) => ({
      v2: at(v2PortBase, g),
      peer: at(nodeConstants.peerPortBase, g),
      admin: at(nodeConstants.adminPortBase, g),
      metrics: at(metricsPortBase, g),
    })),
  };
}

/** Free ports from the OS for every process (bound to port 0, then released). */
export async function autoPorts(opts: Pick<LocalClusterOptions, 'brokerGroups' | 'nodesPerGroup' | 'namesrvCount'> = {}): Promise<ClusterPorts> {
  const s = shapeOf(opts);
  const all = await freePorts(s.namesrvs + s.groups * s.nodes * 4);
  assert(new Set(all).size === all.length, 'the OS handed out one port twice');
  let next = 0;
  const take = (n: number) => {
    const out = all.slice(next, next + n);
    next += n;
    return out;
  };
  return {
    namesrv: take(s.namesrvs),
    groups: range(s.groups).map(() => ({ v2: take(s.nodes), peer: take(s.nodes), admin: take(s.nodes), metrics: take(s.nodes) })),
  };
}

/** The whole layout: directories, ports and every broker node's properties. No I/O. */
export function planCluster(opts: Omit<LocalClusterOptions, 'ports'>, ports: ClusterPorts): ClusterPlan {
  const s = shapeOf(opts);
  assert(typeof opts.dataDir === 'string' && opts.dataDir !== '', 'dataDir must be a non-empty path');
  assert(ports.namesrv.length === s.namesrvs, `${ports.namesrv.length} NameServer ports for ${s.namesrvs} NameServers`);
  assert(ports.groups.length === s.groups, `ports for ${ports.groups.length} groups, expected ${s.groups}`);
  for (const g of ports.groups) {
    for (const list of [g.v2, g.peer, g.admin, g.metrics]) assert(list.length === s.nodes, `${list.length} ports for ${s.nodes} nodes`);
  }
  const every = [...ports.namesrv, ...ports.groups.flatMap((g) => [...g.v2, ...g.peer, ...g.admin, ...g.metrics])];
  for (const p of every) assert(Number.isInteger(p) && p > 0 && p <= 65_535, `port ${p} out of 1..65535`);
  assert(new Set(every).size === every.length, 'every process needs ports of its own');
  if (opts.segmentBytes !== undefined) assert(Number.isSafeInteger(opts.segmentBytes) && opts.segmentBytes >= 4096, `segmentBytes ${opts.segmentBytes} < 4096`);
  if (opts.tickMs !== undefined) assert(Number.isSafeInteger(opts.tickMs) && opts.tickMs >= 1, `tickMs ${opts.tickMs}`);
  if (opts.electionTicks !== undefined) assert(Number.isSafeInteger(opts.electionTicks) && opts.electionTicks >= 2, `electionTicks ${opts.electionTicks}`);

  const dataDir = path.resolve(opts.dataDir);
  const nsHost = opts.hosts?.namesrv ?? loopbackHost;
  const hostOf = (g: number, i: number): string => {
    const h = opts.hosts?.node(g, i) ?? loopbackHost;
    assert(/^[0-9A-Za-z.:-]+$/.test(h), `host "${h}" of node ${i} of group ${g} is not a plain address`);
    return h;
  };
  const namesrvs = ports.namesrv.map((port, i): NamesrvPlan => {
    const dir = path.join(dataDir, `namesrv-${i}`);
    return { id: `namesrv-${i}`, host: nsHost, port, dir, logFile: path.join(dir, 'namesrv.log'), args: ['--host', nsHost, '--port', String(port)] };
  });
  const namesrvAddr = namesrvs.map((n) => `${n.host}:${n.port}`).join(';');
  const groups = ports.groups.map((gp, g): BrokerGroupPlan => {
    const brokerName = brokerNameOf(g);
    const peers = range(s.nodes).map((i) => `n${i}-${hostOf(g, i)}:${gp.peer[i]}`).join(';');
    const nodes = range(s.nodes).map((i): BrokerNodePlan => {
      const selfId = `n${i}`;
      const host = hostOf(g, i);
      const dir = path.join(dataDir, brokerName, selfId);
      const properties = brokerNodeProperties({
        clusterName: clusterNameDefault,
        brokerName,
        selfId,
        peers,
        storePathRootDir: dir,
        advertisedHost: host,
        listenHost: host,
        adminListenHost: host,
        listenPort: gp.v2[i]!,
        adminPort: gp.admin[i]!,
        metricsPort: gp.metrics[i]!,
        namesrvAddr,
        segmentBytes: opts.segmentBytes,
        tickMs: opts.tickMs,
        electionTicks: opts.electionTicks,
        extraProps: opts.extraProps,
      });
      return {
        id: `${brokerName}/${selfId}`,
        brokerName,
        selfId,
        dir,
        configFile: path.join(dir, 'broker.conf'),
        logFile: path.join(dir, 'node.log'),
        host,
        v2Port: gp.v2[i]!,
        peerPort: gp.peer[i]!,
        adminPort: gp.admin[i]!,
        metricsPort: gp.metrics[i]!,
        properties,
      };
    });
    return { brokerName, nodes };
  });
  return { clusterName: clusterNameDefault, namesrvs, groups };
}

export interface BrokerNodePropertiesInput {
  readonly clusterName: string;
  readonly brokerName: string;
  readonly selfId: string;
  readonly peers: string;
  readonly storePathRootDir: string;
  /** `brokerIP1`: what clients are told to connect to. */
  readonly advertisedHost: string;
  readonly listenHost: string;
  readonly adminListenHost: string;
  readonly listenPort: number;
  readonly adminPort: number;
  readonly metricsPort: number;
  readonly namesrvAddr: string;
  readonly segmentBytes?: number;
  readonly tickMs?: number;
  readonly electionTicks?: number;
  readonly extraProps?: Readonly<Record<string, string>>;
}

/** One broker node's properties (the keys of packages/broker/src/config/broker-config.ts). */
export function brokerNodeProperties(p: BrokerNodePropertiesInput): Array<readonly [string, string]> {
  const out: Array<readonly [string, string]> = [
    ['brokerClusterName', p.clusterName],
    ['brokerName', p.brokerName],
    ['brokerIP1', p.advertisedHost],
    ['listenHost', p.listenHost],
    ['listenPort', String(p.listenPort)],
    ['namesrvAddr', p.namesrvAddr],
    ['metricsPromExporterPort', String(p.metricsPort)],
    ['autoCreateTopicEnable', 'true'],
    ['dLegerGroup', p.brokerName],
    ['dLegerSelfId', p.selfId],
    ['dLegerPeers', p.peers],
    ['storePathRootDir', p.storePathRootDir],
    ['adminListenHost', p.adminListenHost],
    ['adminListenPort', String(p.adminPort)],
    ['mappedFileSizeCommitLog', String(p.segmentBytes ?? nodeConstants.segmentBytesDefault)],
    ['raftTickMs', String(p.tickMs ?? nodeConstants.tickMsDefault)],
    ['raftElectionTicks', String(p.electionTicks ?? nodeConstants.electionTicksDefault)],
  ];
  for (const [k, v] of Object.entries(p.extraProps ?? {})) {
    assert(/^[A-Za-z][A-Za-z0-9_.]*$/.test(k), `property key "${k}" is not a plain key`);
    assert(!/[\r\n]/.test(v), `property ${k}: value must be one line`);
    const at = out.findIndex(([key]) => key === k);
    if (at >= 0) out[at] = [k, v];
    else out.push([k, v]);
  }
  return out;
}

/** `key=value` lines, as a RocketMQ broker.conf. */
export function renderProperties(props: ReadonlyArray<readonly [string, string]>, header?: string): string {
  const lines = header === undefined ? [] : header.split('\n').map((l) => `# ${l}`);
  for (const [k, v] of props) lines.push(`${k}=${v}`);
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------
// The processes

export class LocalCluster {
  readonly namesrvs: readonly NamesrvHandle[];
  readonly brokers: readonly BrokerNodeHandle[];

  private constructor(
    readonly plan: ClusterPlan,
    private readonly extraEnv: Readonly<Record<string, string>> = {},
    private readonly launchPrefix: (id: string) => readonly string[] = () => [],
  ) {
    this.namesrvs = plan.namesrvs.map((p): NamesrvHandle => ({ id: p.id, kind: 'namesrv', logFile: p.logFile, plan: p, process: null, paused: false }));
    this.brokers = plan.groups.flatMap((g) =>
      g.nodes.map((p): BrokerNodeHandle => ({
        id: p.id,
        kind: 'broker',
        logFile: p.logFile,
        plan: p,
        admin: new AdminClient(`${p.host}:${p.adminPort}`),
        process: null,
        paused: false,
      })),
    );
  }

  /** Plans the cluster, creates the directories and writes every broker node's property file. */
  static async create(opts: LocalClusterOptions): Promise<LocalCluster> {
    assert(opts.ports === 'fixed' || opts.ports === 'auto', `ports must be 'fixed' or 'auto', got ${String(opts.ports)}`);
    const ports = opts.ports === 'fixed' ? fixedPorts(opts) : await autoPorts(opts);
    const plan = planCluster(opts, ports);
    for (const n of plan.namesrvs) mkdirSync(n.dir, { recursive: true });
    for (const g of plan.groups) {
      for (const n of g.nodes) {
        mkdirSync(n.dir, { recursive: true });
        writeFileSync(n.configFile, renderProperties(n.properties, `${n.id}: written by LocalCluster (packages/broker/src/local/local-cluster.ts)`));
      }
    }
    return new LocalCluster(plan, opts.env, opts.launchPrefix);
  }

  /** Whether the broker node's process entry exists (it is started as a separate program). */
  static brokerMainExists(): boolean {
    return existsSync(brokerMainPath);
  }

  get groupNames(): string[] {
    return this.plan.groups.map((g) => g.brokerName);
  }

  /** The broker node handles of one group. */
  group(brokerName: string): BrokerNodeHandle[] {
    const nodes = this.brokers.filter((b) => b.plan.brokerName === brokerName);
    assert(nodes.length > 0, `no broker group ${brokerName} (have ${this.groupNames.join(', ')})`);
    return nodes;
  }

  /** A broker node by id (`broker-a/n0`), or a NameServer (`namesrv-0`). */
  handle(id: string): BrokerNodeHandle | NamesrvHandle {
    const h = [...this.namesrvs, ...this.brokers].find((x) => x.id === id);
    assert(h !== undefined, `no process ${id} in this cluster`);
    return h;
  }

  broker(id: string): BrokerNodeHandle {
    const h = this.handle(id);
    assert(h.kind === 'broker', `${id} is not a broker node`);
    return h;
  }

  /** host:port of every broker node's v2 endpoint (of one group, or of all). */
  v2Endpoints(brokerName?: string): string[] {
    const nodes = brokerName === undefined ? this.brokers : this.group(brokerName);
    return nodes.map((b) => `${b.plan.host}:${b.plan.v2Port}`);
  }

  /** `namesrvAddr` as brokers and clients take it: `127.0.0.1:9876;127.0.0.1:9877`. */
  namesrvAddr(): string {
    return this.plan.namesrvs.map((n) => `${n.host}:${n.port}`).join(';');
  }

  /** Every port a process of this cluster listens on. */
  ports(): number[] {
    return [
      ...this.plan.namesrvs.map((n) => n.port),
      ...this.brokers.flatMap((b) => [b.plan.v2Port, b.plan.peerPort, b.plan.adminPort, b.plan.metricsPort]),
    ];
  }

  /** Starts the NameServers, then every broker node (without waiting). */
  startAll(): void {
    for (const n of this.namesrvs) this.start(n.id);
    for (const b of this.brokers) this.start(b.id);
  }

  /** Starts one process; its output (stdout and stderr) is appended to its log file. */
  start(id: string): ChildProcess {
    const h = this.handle(id);
    assert(!this.isRunning(id), `${id} is already running (pid ${h.process?.pid})`);
    let entry: string;
    let args: readonly string[];
    if (h.kind === 'broker') {
      assert(LocalCluster.brokerMainExists(), `the broker node's entry ${brokerMainPath} does not exist`);
      entry = brokerMainPath;
      args = ['-c', h.plan.configFile];
    } else {
      entry = namesrvMainPath;
      args = h.plan.args;
    }
    mkdirSync(path.dirname(h.logFile), { recursive: true });
    // LEDGERMQ_NODE_EXEC_ARGV: extra Node flags for every child (profiling: "--cpu-prof --cpu-prof-dir=/tmp/p").
    const execArgv = (process.env.LEDGERMQ_NODE_EXEC_ARGV ?? '').split(' ').filter((a) => a !== '');
    // The child writes its log straight into the file (an inherited descriptor): piping it
    // through this process cost the harness CPU per log line, which benches counted as client time.
    const fd = openSync(h.logFile, 'a');
    let child: ChildProcess;
    try {
      const argv = [process.execPath, ...execArgv, ...nodeEntryArgs(entry), ...args];
      const [program, ...rest] = [...this.launchPrefix(id), ...argv];
      child = spawn(program!, rest, { stdio: ['ignore', fd, fd], env: { ...process.env, ...this.extraEnv } });
    } finally {
      closeSync(fd);
    }
    h.process = child;
    h.paused = false;
    return child;
  }

  pid(id: string): number | undefined {
    return this.handle(id).process?.pid;
  }

  isRunning(id: string): boolean {
    const c = this.handle(id).process;
    return c !== null && c.exitCode === null && c.signalCode === null;
  }

  /** Sends a signal (SIGKILL by default) to one process it started; resolves once it has exited. */
  async kill(id: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const h = this.handle(id);
    const child = h.process;
    if (!child || !this.isRunning(id)) return;
    const exited = exitOf(child);
    child.kill(signal);
    if (h.paused && signal !== 'SIGKILL') child.kill('SIGCONT');
    await exited;
    h.paused = false;
  }

  /** SIGSTOP: the process stays, frozen (its sockets stay open, it answers nothing). */
  pause(id: string): void {
    const h = this.handle(id);
    assert(h.process !== null && this.isRunning(id), `${id} is not running`);
    h.process.kill('SIGSTOP');
    h.paused = true;
  }

  /** SIGCONT after pause. */
  resume(id: string): void {
    const h = this.handle(id);
    assert(h.process !== null && this.isRunning(id), `${id} is not running`);
    h.process.kill('SIGCONT');
    h.paused = false;
  }

  /** SIGTERM (a clean stop), SIGKILL after `graceMs`; resolves once it has exited. */
  async stop(id: string, graceMs = stopGraceMsDefault): Promise<void> {
    const h = this.handle(id);
    const child = h.process;
    if (!child || !this.isRunning(id)) return;
    const exited = exitOf(child);
    child.kill('SIGTERM');
    if (h.paused) child.kill('SIGCONT');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
    h.paused = false;
  }

  /** Stops the broker nodes, then the NameServers (so the nodes can unregister). */
  async stopAll(graceMs = stopGraceMsDefault): Promise<void> {
    await Promise.all(this.brokers.map((b) => this.stop(b.id, graceMs)));
    await Promise.all(this.namesrvs.map((n) => this.stop(n.id, graceMs)));
  }

  /** stopAll, then closes the admin clients. The cluster cannot be used afterwards. */
  async close(graceMs = stopGraceMsDefault): Promise<void> {
    await this.stopAll(graceMs);
    for (const b of this.brokers) b.admin.close();
  }

  /** Admin Status of every running broker node that answers (of one group, or of all), by id. */
  async statuses(brokerName?: string): Promise<Map<string, NodeStatus>> {
    const nodes = brokerName === undefined ? this.brokers : this.group(brokerName);
    const out = new Map<string, NodeStatus>();
    await Promise.all(
      nodes.map(async (b) => {
        if (!this.isRunning(b.id) || b.paused) return;
        try {
          out.set(b.id, (await b.admin.status(statusDeadlineMs)) as NodeStatus);
        } catch {
          /* not up yet, or unreachable */
        }
      }),
    );
    return new Map([...out].sort(([a], [b]) => a.localeCompare(b)));
  }

  /**
   * Polls until the group has a leader (optionally not `excluding`, of term >= `minTerm`) that
   * has committed an entry of its own term. Throws after `timeoutMs` with the last statuses.
   */
  async waitForLeader(brokerName: string, opts: WaitForLeaderOptions = {}): Promise<LeaderFound> {
    const nodes = this.group(brokerName);
    const timeoutMs = opts.timeoutMs ?? 30_000;
    assert(timeoutMs > 0, `timeoutMs ${timeoutMs}`);
    const excluded = opts.excluding === undefined ? undefined : opts.excluding.includes('/') ? opts.excluding : `${brokerName}/${opts.excluding}`;
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      const st = await this.statuses(brokerName);
      for (const [id, s] of st) {
        if (s.role !== 'leader' || id === excluded) continue;
        if (opts.minTerm !== undefined && s.term < opts.minTerm) continue;
        if (s.readIndex === null) continue; // its no-op is not committed yet
        const node = nodes.find((n) => n.id === id)!;
        return { id, selfId: node.plan.selfId, term: s.term, node };
      }
      last = JSON.stringify([...st].map(([id, s]) => [id, s.role, s.term, s.leader]));
      await delay(pollIntervalMs);
    }
    throw new Error(`${brokerName}: no leader within ${timeoutMs} ms; last statuses ${last || 'none answered'}`);
  }

  /**
   * Polls until node `id` follows the group's leader of the current term and has applied what
   * that leader had committed when the wait began: a node just restarted is then a voter again,
   * so killing the leader next is a single failure, not the loss of the majority.
   */
  async waitForFollowing(brokerName: string, id: string, timeoutMs = 30_000): Promise<void> {
    assert(timeoutMs > 0, `timeoutMs ${timeoutMs}`);
    const full = id.includes('/') ? id : `${brokerName}/${id}`;
    const deadline = Date.now() + timeoutMs;
    let target: number | null = null;
    let last = '';
    while (Date.now() < deadline) {
      const st = await this.statuses(brokerName);
      const leader = [...st.values()].find((s) => s.role === 'leader' && s.readIndex !== null);
      const me = st.get(full);
      if (leader !== undefined && target === null) target = leader.commit;
      if (leader !== undefined && me !== undefined && target !== null && me.role === 'follower' && me.term === leader.term && me.applied >= target) return;
      last = JSON.stringify([...st].map(([n, s]) => [n, s.role, s.term, s.applied]));
      await delay(pollIntervalMs);
    }
    throw new Error(`${full}: not a caught-up follower within ${timeoutMs} ms; last statuses ${last || 'none answered'}`);
  }

  /** Polls until every NameServer answers. Throws after `timeoutMs`. */
  async waitForNamesrvs(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const n of this.plan.namesrvs) {
      const client = new NamesrvClient(`${n.host}:${n.port}`, { timeoutMs: 1_000 });
      try {
        let lastError = '';
        for (;;) {
          try {
            await client.clusterInfo();
            break;
          } catch (err) {
            lastError = (err as Error).message;
          }
          if (!this.isRunning(n.id)) throw new Error(`${n.id} exited; see ${n.logFile}`);
          if (Date.now() >= deadline) throw new Error(`${n.id} did not answer within ${timeoutMs} ms: ${lastError}`);
          await delay(pollIntervalMs);
        }
      } finally {
        client.close();
      }
    }
  }
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
