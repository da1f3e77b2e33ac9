// `npm run jepsen:suite -- --time 20 --seeds 1,2 [--faults a,b] [--workload queue|fifo] [--rate N] [--nodes 3|5] [--out DIR] [--network auto|netns|proxy]`:
// every fault the node count allows (or the given ones) for every seed, one fresh cluster per
// run, one table. `runSuite` is the same thing in-process (the CI suite test calls it).

import path from 'node:path';
import { parseArgs } from 'node:util';
import type { CheckResult } from './checkers.ts';
import { faultsFor, parseFaults, type FaultName } from './faults.ts';
import { jepsenOutRoot, runJepsen, type RunOptions, type RunResult } from './runner.ts';
import type { WorkloadName } from './workload.ts';
import { networkModes, type NetworkMode } from './network/index.ts';

export interface SuiteRow {
  readonly fault: string;
  readonly seed: number;
  /** netns or proxy; '-' when the run did not start */
  readonly network: string;
  readonly pass: boolean;
  readonly acked: number;
  readonly lost: number;
  readonly unexpected: number;
  readonly redelivered: number;
  readonly duplicateStorage: number;
  readonly orderViolations: number;
  readonly windowMedianMs: number | null;
  readonly windowMaxMs: number | null;
  /** the longest stretch without an ok send over the run's fault windows (checkers.ts sendGapMaxMs) */
  readonly gapMaxMs: number | null;
  readonly recoverMaxMs: number | null;
  /** violations of the faults' own expectations (null: the fault has none) */
  readonly expectationViolations: number | null;
  /** why the run did not finish (a harness error), or null */
  readonly error: string | null;
  /** `name: summary` of every checker that failed */
  readonly failed: readonly string[];
  readonly outDir: string;
}

function fig(checks: readonly CheckResult[], name: string, key: string): number | null {
  return checks.find((c) => c.name === name)?.figures[key] ?? null;
}

export function suiteRow(fault: string, seed: number, r: RunResult): SuiteRow {
  const c = r.checks;
  return {
    fault,
    seed,
    network: r.summary.network.kind,
    pass: r.pass,
    acked: fig(c, 'lost', 'acked') ?? 0,
    lost: fig(c, 'lost', 'lost') ?? 0,
    unexpected: fig(c, 'unexpected', 'unexpected') ?? 0,
    redelivered: fig(c, 'duplicated', 'redelivered') ?? 0,
    duplicateStorage: fig(c, 'duplicated', 'duplicateStorage') ?? 0,
    orderViolations: fig(c, 'fifo', 'orderViolations') ?? 0,
    windowMedianMs: fig(c, 'availability', 'windowMedianMs'),
    windowMaxMs: fig(c, 'availability', 'windowMaxMs'),
    gapMaxMs: fig(c, 'availability', 'gapMaxMs'),
    recoverMaxMs: fig(c, 'availability', 'recoverMaxMs'),
    expectationViolations: fig(c, 'fault-expectations', 'violations'),
    error: null,
    failed: c.filter((x) => !x.pass).map((x) => `${x.name}: ${x.summary}${x.items.length > 0 ? ` (${x.items.slice(0, 3).join('; ')})` : ''}`),
    outDir: r.outDir,
  };
}

/** A run that ended in a harness error: it counts as failed. */
export function errorRow(fault: string, seed: number, message: string): SuiteRow {
  return { fault, seed, network: '-', pass: false, acked: 0, lost: 0, unexpected: 0, redelivered: 0, duplicateStorage: 0, orderViolations: 0, windowMedianMs: null, windowMaxMs: null, gapMaxMs: null, recoverMaxMs: null, expectationViolations: null, error: message, failed: [`harness: ${message}`], outDir: '' };
}

export interface SuiteOptions {
  readonly faults: readonly FaultName[];
  readonly seeds: readonly number[];
  readonly timeS: number;
  readonly rate: number;
  readonly nodes: 3 | 5;
  readonly workload: WorkloadName;
  /** Each run's bundle goes to `<root>/<fault>-s<seed>`. */
  readonly root: string;
  readonly drainTimeoutMs?: number;
  /** `--network` of every run (default auto). */
  readonly network?: NetworkMode;
  /** Hears one line per run as it starts and ends. */
  readonly progress?: (line: string) => void;
}

/** One fresh cluster per (fault, seed), one row each; a harness error is a failed row, never a throw. */
export async function runSuite(o: SuiteOptions): Promise<SuiteRow[]> {
  const rows: SuiteRow[] = [];
  for (const fault of o.faults) {
    for (const seed of o.seeds) {
      o.progress?.(`suite: ${fault} seed ${seed}`);
      const run: RunOptions = { workload: o.workload, faults: [fault], timeS: o.timeS, rate: o.rate, seed, nodes: o.nodes, outDir: path.join(o.root, `${fault}-s${seed}`), drainTimeoutMs: o.drainTimeoutMs, network: o.network, log: () => {} };
      try {
        const r = await runJepsen(run);
        rows.push(suiteRow(fault, seed, r));
        o.progress?.(`suite: ${fault} seed ${seed}: ${r.pass ? 'PASS' : 'FAIL'} in ${Math.round(r.summary.durationMs / 1000)} s`);
      } catch (err) {
        o.progress?.(`suite: ${fault} seed ${seed}: harness error ${(err as Error).message}`);
        rows.push(errorRow(fault, seed, (err as Error).message));
      }
    }
  }
  return rows;
}

export function renderTable(rows: readonly SuiteRow[]): string {
  const head = ['fault', 'seed', 'net', 'result', 'acked', 'lost', 'unexp', 'redeliv', 'dup-store', 'order', 'win-med', 'win-max', 'gap-max', 'recover-max', 'expect'];
  const ms = (x: number | null) => (x === null ? 'n/a' : `${Math.round(x)}ms`);
  const body = rows.map((r) => [r.fault, String(r.seed), r.network, r.pass ? 'PASS' : r.error === null ? 'FAIL' : 'ERROR', String(r.acked), String(r.lost), String(r.unexpected), String(r.redelivered), String(r.duplicateStorage), String(r.orderViolations), ms(r.windowMedianMs), ms(r.windowMaxMs), ms(r.gapMaxMs), ms(r.recoverMaxMs), r.expectationViolations === null ? '-' : r.expectationViolations === 0 ? 'ok' : `${r.expectationViolations} bad`]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n') + '\n';
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      time: { type: 'string', default: '20' },
      seeds: { type: 'string', default: '1' },
      faults: { type: 'string' },
      workload: { type: 'string', default: 'queue' },
      rate: { type: 'string', default: '100' },
      nodes: { type: 'string', default: '3' },
      out: { type: 'string' },
      network: { type: 'string', default: 'auto' },
    },
    strict: true,
  });
  const nodes = Number(values.nodes) as 3 | 5;
  if (nodes !== 3 && nodes !== 5) {
    process.stderr.write(`--nodes must be 3 or 5, got ${values.nodes}\n`);
    process.exit(2);
  }
  if (!(networkModes as readonly string[]).includes(values.network!)) {
    process.stderr.write(`--network must be one of ${networkModes.join(', ')}, got ${values.network}\n`);
    process.exit(2);
  }
  const faults: FaultName[] = values.faults === undefined ? faultsFor(nodes) : parseFaults(values.faults);
  const seeds = values.seeds!.split(',').map((s) => Number(s.trim()));
  const root = path.resolve(values.out ?? path.join(jepsenOutRoot, `suite-${new Date().toISOString().replace(/[:.]/g, '-')}`));
  const rows = await runSuite({ faults, seeds, timeS: Number(values.time), rate: Number(values.rate), nodes, workload: values.workload as WorkloadName, root, network: values.network as NetworkMode, progress: (l) => process.stderr.write(`${l}\n`) });
  const table = renderTable(rows);
  process.stdout.write(table);
  const { writeFileSync, mkdirSync } = await import('node:fs');
  mkdirSync(root, { recursive: true });
  writeFileSync(path.join(root, 'suite.txt'), table);
  process.stdout.write(`reports under ${root}\n`);
  process.exit(rows.every((r) => r.pass) ? 0 : 1);
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(path.basename(process.argv[1]))) await main();
