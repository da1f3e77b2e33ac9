// `npm run jepsen -- --workload queue|fifo --fault NAME[,NAME…] --time 30 --rate 100 --seed N [--nodes 3|5] [--out DIR]`

import { parseArgs } from 'node:util';
import { ClusterTierError } from './errors.ts';
import { implementedFaults, parseFaults, plannedFaults } from './faults.ts';
import { runJepsen, type RunOptions } from './runner.ts';

const usage = `usage: npm run jepsen -- --workload queue|fifo --fault NAME[,NAME...] --time SECONDS --rate PER_SECOND --seed N [--nodes 3|5] [--out DIR]
faults: ${implementedFaults.join(', ')}
not yet: ${plannedFaults.join(', ')}`;

export function parseRunArgs(argv: readonly string[]): RunOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      workload: { type: 'string', default: 'queue' },
      fault: { type: 'string', default: 'kill-leader' },
      time: { type: 'string', default: '30' },
      rate: { type: 'string', default: '100' },
      seed: { type: 'string' },
      nodes: { type: 'string', default: '3' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  return {
    workload: values.workload as RunOptions['workload'],
    faults: parseFaults(values.fault!),
    timeS: Number(values.time),
    rate: Number(values.rate),
    seed: values.seed === undefined ? Math.floor(Math.random() * 1_000_000) : Number(values.seed),
    nodes: Number(values.nodes) as 3 | 5,
    outDir: values.out,
  };
}

async function main(): Promise<void> {
  let opts: RunOptions;
  try {
    opts = parseRunArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${usage}\n`);
    process.exit(2);
  }
  try {
    const r = await runJepsen(opts);
    process.stdout.write(r.text);
    process.stdout.write(`report: ${r.outDir}/report.html\n`);
    process.exit(r.pass ? 0 : 1);
  } catch (err) {
    process.stderr.write(`${err instanceof ClusterTierError ? '' : 'harness error: '}${(err as Error).stack ?? String(err)}\n`);
    process.exit(3);
  }
}

await main();
