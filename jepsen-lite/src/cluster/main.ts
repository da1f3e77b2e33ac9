// `npm run jepsen -- --workload queue|fifo|mixed --fault NAME[,NAME…] --time 30 --rate 100 --seed N [--nodes 3|5] [--out DIR] [--network auto|netns|proxy] [--proxy-clients] [--planted-bug NAME]`

import { parseArgs } from 'node:util';
import { ClusterTierError, UsageError } from './errors.ts';
import { fiveNodeFaults, implementedFaults, parseFaults } from './faults.ts';
import { parsePlantedBug, plantedBugs } from './planted-bugs.ts';
import { runJepsen, validateOptions, type RunOptions } from './runner.ts';
import { JepsenCluster } from './cluster.ts';
import type { NetworkMode } from './network/index.ts';

const usage = `usage: npm run jepsen -- --workload queue|fifo|mixed --fault NAME[,NAME...] --time SECONDS --rate PER_SECOND --seed N [--nodes 3|5] [--out DIR] [--network auto|netns|proxy] [--proxy-clients] [--planted-bug NAME]
faults: ${implementedFaults.join(', ')}
five nodes only (--nodes 5): ${fiveNodeFaults.join(', ')}
--fault-ms / --calm-ms: length of each fault and of the calm after it (default 5000 / 5000)
--network: netns = every node in a network namespace, faults are nftables drops (root, ip, nft);
  proxy = every node on loopback behind fault-injecting TCP proxies; auto (default) = netns when
  the host allows it and no fault needs the proxy (delay), else proxy; the report says which and why
--proxy-clients: clients reach each node through a proxy (partition-leader also cuts the old leader's clients)
--planted-bug (TEST ONLY, the run must FAIL): ${plantedBugs.join(', ')}`;

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
      'proxy-clients': { type: 'boolean', default: false },
      network: { type: 'string', default: 'auto' },
      'planted-bug': { type: 'string' },
      'fault-ms': { type: 'string' },
      'calm-ms': { type: 'string' },
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
    proxyClients: values['proxy-clients'] === true,
    network: values.network as NetworkMode,
    plantedBug: parsePlantedBug(values['planted-bug']),
    faultMs: values['fault-ms'] === undefined ? undefined : Number(values['fault-ms']),
    calmMs: values['calm-ms'] === undefined ? undefined : Number(values['calm-ms']),
  };
}

async function main(): Promise<void> {
  // Ctrl-C: the node processes (and a netns network's namespaces) go with the harness.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      JepsenCluster.killAllSync();
      process.exit(130);
    });
  }
  let opts: RunOptions;
  try {
    opts = parseRunArgs(process.argv.slice(2));
    validateOptions(opts);
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
    // A usage error found only at run time (--network netns on a host without namespaces) exits 2.
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`${err instanceof ClusterTierError ? '' : 'harness error: '}${(err as Error).stack ?? String(err)}\n`);
    process.exit(3);
  }
}

await main();
