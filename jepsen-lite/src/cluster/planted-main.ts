// `npm run jepsen:planted [-- --bug NAME]`: the checkers catch real bugs on real processes. Each
// planted bug (TEST ONLY, testPlantedBug under LEDGERMQ_TEST_MODE) runs once on a fresh 3-node
// cluster under the fault that exposes it (planted-bugs.ts); the run must be reported as a
// FAILURE by one of the checkers meant for it (availability alone proves nothing). Exit 0 when
// every planted bug was caught, 1 when one was not, 3 on a harness error.

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { exposures, parsePlantedBug, plantedBugs } from './planted-bugs.ts';
import { runJepsen } from './runner.ts';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { bug: { type: 'string' }, keep: { type: 'boolean', default: false } } });
  const only = parsePlantedBug(values.bug);
  const outRoot = mkdtempSync(path.join(os.tmpdir(), 'ledgermq-jepsen-bugs-'));
  let missed = 0;
  try {
    for (const bug of plantedBugs) {
      if (only !== null && bug !== only) continue;
      const e = exposures[bug];
      const r = await runJepsen({
        workload: e.workload, faults: [e.fault], timeS: e.timeS, rate: e.rate, seed: e.seed, nodes: 3, proxyClients: e.proxyClients, faultMs: e.faultMs, calmMs: e.calmMs,
        plantedBug: bug, outDir: path.join(outRoot, bug), drainTimeoutMs: 15_000, log: () => {},
      });
      const failed = r.checks.filter((c) => !c.pass).map((c) => c.name);
      const caught = !r.pass && failed.some((n) => e.caughtBy.includes(n));
      if (!caught) missed += 1;
      process.stdout.write(`${bug} under ${e.fault}: ${caught ? 'CAUGHT' : 'NOT CAUGHT'} (failed checkers: ${failed.join(', ') || 'none'}; expected one of ${e.caughtBy.join(', ')})\n`);
    }
  } finally {
    if (!values.keep) rmSync(outRoot, { recursive: true, force: true });
    else process.stdout.write(`bundles kept under ${outRoot}\n`);
  }
  return missed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`jepsen:planted: ${err.stack ?? err.message}\n`);
    process.exit(3);
  },
);
