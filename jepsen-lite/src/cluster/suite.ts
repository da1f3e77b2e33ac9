// `npm run jepsen:suite -- --time 20 --seeds 1,2 [--faults a,b] [--workload queue|fifo] [--rate N] [--nodes 3|5] [--out DIR]`:
// every implemented fault (or the given ones) for every seed, one fresh cluster per run, one table.

import path from 'node:path';
import { parseArgs } from 'node:util';
import type { CheckResult } from './checkers.ts';
import { implementedFaults, parseFaults, type FaultName } from './faults.ts';
import { jepsenOutRoot, runJepsen, type RunResult } from './runner.ts';
import type { WorkloadName } from './workload.ts';

export interface SuiteRow {
  readonly fault: string;
  readonly seed: number;
  readonly pass: boolean;
  readonly acked: number;
  readonly lost: number;
  readonly unexpected: number;
  readonly redelivered: number;
  readonly duplicateStorage: number;
  readonly orderViolations: number;
  readonly windowMedianMs: number | null;
  readonly windowMaxMs: number | null;
  readonly recoverMaxMs: number | null;
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
    pass: r.pass,
    acked: fig(c, 'lost', 'acked') ?? 0,
    lost: fig(c, 'lost', 'lost') ?? 0,
    unexpected: fig(c, 'unexpected', 'unexpected') ?? 0,
    redelivered: fig(c, 'duplicated', 'redelivered') ?? 0,
    duplicateStorage: fig(c, 'duplicated', 'duplicateStorage') ?? 0,
    orderViolations: fig(c, 'fifo', 'orderViolations') ?? 0,
    windowMedianMs: fig(c, 'availability', 'windowMedianMs'),
    windowMaxMs: fig(c, 'availability', 'windowMaxMs'),
    recoverMaxMs: fig(c, 'availability', 'recoverMaxMs'),
    outDir: r.outDir,
  };
}

export function renderTable(rows: readonly SuiteRow[]): string {
  const head = ['fault', 'seed', 'result', 'acked', 'lost', 'unexp', 'redeliv', 'dup-store', 'order', 'win-med', 'win-max', 'recover-max'];
  const ms = (x: number | null) => (x === null ? 'n/a' : `${Math.round(x)}ms`);
  const body = rows.map((r) => [r.fault, String(r.seed), r.pass ? 'PASS' : 'FAIL', String(r.acked), String(r.lost), String(r.unexpected), String(r.redelivered), String(r.duplicateStorage), String(r.orderViolations), ms(r.windowMedianMs), ms(r.windowMaxMs), ms(r.recoverMaxMs)]);
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
    },
    strict: true,
  });
  const faults: FaultName[] = values.faults === undefined ? [...implementedFaults] : parseFaults(values.faults);
  const seeds = values.seeds!.split(',').map((s) => Number(s.trim()));
  const root = path.resolve(values.out ?? path.join(jepsenOutRoot, `suite-${new Date().toISOString().replace(/[:.]/g, '-')}`));
  const rows: SuiteRow[] = [];
  for (const fault of faults) {
    for (const seed of seeds) {
      process.stderr.write(`suite: ${fault} seed ${seed}\n`);
      try {
        const r = await runJepsen({ workload: values.workload as WorkloadName, faults: [fault], timeS: Number(values.time), rate: Number(values.rate), seed, nodes: Number(values.nodes) as 3 | 5, outDir: path.join(root, `${fault}-s${seed}`), log: () => {} });
        rows.push(suiteRow(fault, seed, r));
      } catch (err) {
        process.stderr.write(`suite: ${fault} seed ${seed}: harness error ${(err as Error).message}\n`);
        rows.push({ fault, seed, pass: false, acked: 0, lost: 0, unexpected: 0, redelivered: 0, duplicateStorage: 0, orderViolations: 0, windowMedianMs: null, windowMaxMs: null, recoverMaxMs: null, outDir: '' });
      }
    }
  }
  const table = renderTable(rows);
  process.stdout.write(table);
  const { writeFileSync, mkdirSync } = await import('node:fs');
  mkdirSync(root, { recursive: true });
  writeFileSync(path.join(root, 'suite.txt'), table);
  process.stdout.write(`reports under ${root}\n`);
  process.exit(rows.every((r) => r.pass) ? 0 : 1);
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(path.basename(process.argv[1]))) await main();
