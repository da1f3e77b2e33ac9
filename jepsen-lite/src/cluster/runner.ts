// The runner: fresh cluster, workload, seeded fault schedule, heal, restart every node, drain,
// check, report. `runJepsen` is the in-process entry (tests); main.ts is the command line.

import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommandKind, encodeCommand, groupConfig } from '@ledgermq/store';
import { checkAll, unavailabilityWindows, type CheckResult, type FaultWindow } from './checkers.ts';
import { brokerName, JepsenCluster } from './cluster.ts';
import { consumerGroupFifo, consumerGroupMixed, consumerGroupQueue, drainQuietRounds, drainTimeoutMsDefault, reportListMax, topicFifo, topicMixed, topicQueue } from './constants.ts';
import { NetnsError, UsageError } from './errors.ts';
import { applyFault, checkFaultsForNodes, planSchedule, type FaultName, type PlannedFault } from './faults.ts';
import { HistoryRecorder, type FaultRecord, type LeaderMark } from './history.ts';
import { SeededRandom } from './prng.ts';
import { renderText, writeBundle, type RunSummary } from './report.ts';
import { ClientLog, Workload, workloadNames, type WorkloadName } from './workload.ts';
import type { PlantedBug } from './planted-bugs.ts';
import { ProgressSampler } from './progress-sampler.ts';
import { chooseNetwork, networkModes, type NetworkChoice, type NetworkMode } from './network/index.ts';

export interface RunOptions {
  readonly workload: WorkloadName;
  readonly faults: readonly FaultName[];
  readonly timeS: number;
  readonly rate: number;
  readonly seed: number;
  readonly nodes: 3 | 5;
  readonly outDir?: string;
  readonly drainTimeoutMs?: number;
  readonly log?: (line: string) => void;
  /** TEST ONLY: run every node with this planted bug (the run is expected to FAIL). */
  readonly plantedBug?: PlantedBug | null;
  /** Clients reach the nodes through proxies; partition-leader then cuts the old leader's clients too. */
  readonly proxyClients?: boolean;
  /** `--network`: netns (namespaces + nftables), proxy (TCP proxies), auto (netns where possible; default). */
  readonly network?: NetworkMode;
  /** Fault and calm lengths of the schedule (ms, ±20 % seeded jitter); defaults 5 s / 5 s. */
  readonly faultMs?: number;
  readonly calmMs?: number;
}

export interface RunResult {
  readonly pass: boolean;
  readonly outDir: string;
  readonly checks: readonly CheckResult[];
  readonly windows: readonly FaultWindow[];
  readonly faults: readonly FaultRecord[];
  readonly schedule: readonly PlannedFault[];
  readonly text: string;
  readonly summary: RunSummary;
}

export const jepsenOutRoot = fileURLToPath(new URL('../../out/', import.meta.url));

export function commandLine(o: RunOptions): string {
  return `npm run jepsen -- --workload ${o.workload} --fault ${o.faults.join(',')} --time ${o.timeS} --rate ${o.rate} --seed ${o.seed} --nodes ${o.nodes}${o.network === undefined || o.network === 'auto' ? '' : ` --network ${o.network}`}${o.proxyClients === true ? ' --proxy-clients' : ''}${o.plantedBug ? ` --planted-bug ${o.plantedBug}` : ''}${o.faultMs === undefined ? '' : ` --fault-ms ${o.faultMs}`}${o.calmMs === undefined ? '' : ` --calm-ms ${o.calmMs}`}`;
}

export function validateOptions(o: RunOptions): void {
  if (!workloadNames.includes(o.workload)) throw new UsageError(`--workload must be one of ${workloadNames.join(', ')}, got ${String(o.workload)}`);
  if (!(o.timeS >= 5 && o.timeS <= 3_600)) throw new UsageError(`--time must be in 5..3600 s, got ${o.timeS}`);
  if (!(o.rate >= 1 && o.rate <= 2_000)) throw new UsageError(`--rate must be in 1..2000 per second, got ${o.rate}`);
  if (!Number.isSafeInteger(o.seed) || o.seed < 0) throw new UsageError(`--seed must be a non-negative integer, got ${o.seed}`);
  if (o.nodes !== 3 && o.nodes !== 5) throw new UsageError(`--nodes must be 3 or 5, got ${String(o.nodes)}`);
  if (o.faults.length === 0) throw new UsageError('--fault: at least one fault');
  checkFaultsForNodes(o.faults, o.nodes);
  if (o.network !== undefined && !networkModes.includes(o.network)) throw new UsageError(`--network must be one of ${networkModes.join(', ')}, got ${String(o.network)}`);
  for (const [flag, v] of [['--fault-ms', o.faultMs], ['--calm-ms', o.calmMs]] as const) {
    if (v !== undefined && !(Number.isSafeInteger(v) && v >= 500 && v <= 600_000)) throw new UsageError(`${flag} must be an integer in 500..600000 ms, got ${v}`);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function runJepsen(o: RunOptions): Promise<RunResult> {
  validateOptions(o);
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const wallStart = Date.now();
  const outDir = path.resolve(o.outDir ?? path.join(jepsenOutRoot, `${new Date().toISOString().replace(/[:.]/g, '-')}-${o.faults.join('+')}-s${o.seed}`));
  mkdirSync(outDir, { recursive: true });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ledgermq-jepsen-'));
  const timeMs = o.timeS * 1000;
  const schedule = planSchedule({ faults: o.faults, timeMs, seed: o.seed, faultMs: o.faultMs, calmMs: o.calmMs });
  let network: NetworkChoice = await chooseNetwork(o.network ?? 'auto', { faults: o.faults, proxyClients: o.proxyClients === true });
  const createCluster = (net: NetworkChoice) =>
    JepsenCluster.create({ dataDir, nodes: o.nodes, network: net, random: (() => { const r = new SeededRandom(o.seed ^ 0x5a5a); return () => r.next(); })(), proxyClients: o.proxyClients === true, plantedBug: o.plantedBug ?? null, volatileWrites: o.faults.includes('power-loss'), clockControl: o.faults.includes('clock-jump'), stallControl: o.faults.includes('stall-leader') });
  let cluster: JepsenCluster;
  try {
    cluster = await createCluster(network);
  } catch (err) {
    // The probe passed but the run's namespaces could not be built: auto falls back, saying why.
    if (!(err instanceof NetnsError) || (o.network ?? 'auto') !== 'auto') throw err;
    network = { kind: 'proxy', reason: `network namespaces failed to set up: ${err.message}` };
    cluster = await createCluster(network);
  }
  log(`jepsen: ${network.kind} network (${network.reason})`);
  const clientLog = new ClientLog();
  const faults: FaultRecord[] = [];
  const phases: FaultRecord[] = [];
  const leaders: LeaderMark[] = [];
  /** Each fault's own expectations (started at its heal), settled before the final restart. */
  const expectations: Array<Promise<{ fault: string; violations: string[] }>> = [];
  const history = new HistoryRecorder(Date.now());
  let workload: Workload | null = null;
  let faultExpectations: Array<{ fault: string; violations: string[] }> = [];
  let sampler: ProgressSampler | null = null;
  let pollLeaders = true;
  let leaderPoll: Promise<void> = Promise.resolve();
  try {
    log(`jepsen: starting ${o.nodes}-node cluster in ${dataDir}`);
    await cluster.start();
    const fifo = o.workload !== 'queue'; // the mixed workload's group is FIFO too (its fifo messages)
    const topic = o.workload === 'mixed' ? topicMixed : fifo ? topicFifo : topicQueue;
    const consumerGroup = o.workload === 'mixed' ? consumerGroupMixed : fifo ? consumerGroupFifo : consumerGroupQueue;
    if (fifo) {
      const leader = await cluster.leader();
      await cluster.node(leader!).admin.propose([Buffer.from(encodeCommand({ kind: CommandKind.GroupCreate, group: groupConfig(consumerGroup, { fifo: true }) }))]);
    }
    const endpoints = new Map(cluster.nodeIds.map((id) => [id, cluster.v2Endpoint(id)] as const));
    workload = new Workload({ workload: o.workload, topic, consumerGroup, endpoints, rate: o.rate, history, log: clientLog });
    await workload.startClients();
    history.startClock(); // time 0 = the workload's start
    sampler = new ProgressSampler({ cluster, history, group: consumerGroup, topics: [topic] });
    sampler.start();
    log(`jepsen: clients up; workload ${o.workload} for ${o.timeS} s, schedule: ${schedule.map((f) => `${f.name}@${f.atMs}ms/${f.durationMs}ms`).join(' ') || 'none'}`);
    const h = history;
    leaderPoll = (async () => {
      let last: string | null | undefined;
      for (let i = 0; i < 100_000 && pollLeaders; i++) {
        const st = await cluster.statuses().catch(() => new Map());
        const leader = [...st.values()].find((s) => s.role === 'leader');
        const id = leader ? String(leader.id).split('/').pop()! : null;
        if (id !== last) {
          leaders.push({ time: h.now(), leader: id, term: leader ? Number(leader.term) : 0 });
          last = id;
        }
        await sleep(200);
      }
    })();
    workload.startConsuming();
    workload.startProducing(timeMs);
    for (const f of schedule) {
      const wait = f.atMs - h.now();
      if (wait > 0) await sleep(wait);
      // A slow fault (one that waits for a node) can push the schedule late: a fault whose
      // planned heal has already passed is skipped, so the last one still has its calm period.
      if (h.now() > f.atMs + f.durationMs) {
        log(`jepsen: ${h.now()} ms skipped ${f.name} planned at ${f.atMs} ms (the schedule ran late)`);
        continue;
      }
      const start = h.now();
      const applied = await applyFault(cluster, f);
      log(`jepsen: ${start} ms ${f.name}: ${applied.detail}`);
      await sleep(Math.max(0, start + f.durationMs - h.now()));
      await applied.heal();
      const end = h.now();
      if (applied.expectations !== undefined) {
        const at = `${f.name}@${start}ms`;
        expectations.push(applied.expectations().then((violations) => ({ fault: at, violations }), (err: Error) => ({ fault: at, violations: [`expectation check failed: ${err.message}`] })));
      }
      faults.push({ name: f.name, start, end, targets: applied.targets, detail: applied.detail });
      log(`jepsen: ${end} ms healed ${f.name}`);
    }
    const rest = timeMs - h.now();
    if (rest > 0) await sleep(rest);
    await workload.stopProducing();
    // What the faults expect (a node came back, caught up) must happen on its own, before the
    // full restart below could help: each check is bounded by its own deadline.
    faultExpectations = await Promise.all(expectations);
    // Final heal (belt and braces), then kill -9 and restart every node.
    const healAt = h.now();
    await cluster.healAll();
    await cluster.restartAll();
    phases.push({ name: 'restart-all', start: healAt, end: h.now(), targets: cluster.nodeIds, detail: 'heal, kill -9 every node, start every node, wait for a leader' });
    log(`jepsen: ${h.now()} ms every node restarted; draining`);
    const drainStart = h.now();
    const drainDeadline = drainStart + (o.drainTimeoutMs ?? drainTimeoutMsDefault);
    workload.resetQuiet();
    for (let i = 0; i < 10_000 && h.now() < drainDeadline; i++) {
      const allAckedRead = [...workload.ackedValues].every((v) => workload!.readValues.has(v));
      if (allAckedRead && workload.quiet(drainQuietRounds)) break;
      await sleep(200);
    }
    phases.push({ name: 'drain', start: drainStart, end: h.now(), targets: [], detail: `until every acknowledged value was read and ${drainQuietRounds} empty receives per consumer, or ${o.drainTimeoutMs ?? drainTimeoutMsDefault} ms` });
    await workload.stopConsuming();
  } finally {
    pollLeaders = false;
    await leaderPoll;
    await sampler?.stop();
    if (workload !== null) await workload.shutdown();
    const logs = cluster.logFiles();
    await cluster.close().catch(() => undefined);
    const logDir = path.join(outDir, 'logs');
    mkdirSync(logDir, { recursive: true });
    for (const [id, file] of Object.entries(logs)) if (existsSync(file)) copyFileSync(file, path.join(logDir, `${id.replace('/', '-')}.log`));
    rmSync(dataDir, { recursive: true, force: true });
  }
  const ops = history.ops;
  const checks: CheckResult[] = checkAll(ops, faults, { fifo: o.workload === 'fifo', mixed: o.workload === 'mixed' });
  if (faultExpectations.length > 0) checks.push(checkFaultExpectations(faultExpectations));
  const windows = unavailabilityWindows(ops, faults);
  const pass = checks.every((c) => c.pass);
  const summary: RunSummary = {
    workload: o.workload,
    faults: o.faults,
    seed: o.seed,
    nodes: o.nodes,
    timeS: o.timeS,
    rate: o.rate,
    command: commandLine(o),
    network: { ...network, description: cluster.net.description },
    pass,
    checks,
    windows,
    opsRecorded: ops.length,
    durationMs: Date.now() - wallStart,
  };
  writeBundle(outDir, { summary, ops, faults, phases, leaders, config: { ...o, log: undefined, brokerName, schedule }, clientLog: clientLog.lines });
  return { pass, outDir, checks, windows, faults, schedule, text: renderText(summary), summary };
}

/**
 * What the faults themselves expected (a node with a damaged log reported itself disabled and
 * never led; a repaired, re-added or power-cut node came back and caught up), one item per violation.
 */
export function checkFaultExpectations(results: ReadonlyArray<{ fault: string; violations: readonly string[] }>): CheckResult {
  const items = results.flatMap((r) => r.violations.map((v) => `${r.fault}: ${v}`));
  return {
    name: 'fault-expectations',
    pass: items.length === 0,
    summary: items.length === 0 ? `${results.length} fault(s) behaved as expected (disabled, never led, came back, caught up)` : `${items.length} violation(s) of what the faults expect`,
    items: items.slice(0, reportListMax),
    figures: { faultsChecked: results.length, violations: items.length },
  };
}
