// CLI: npm run sim -- --seeds N [--nodes 3|5] [--seed S] [--steps K] [--bug NAME] [--profile P]
// With --seed and no --seeds, runs that one seed and prints its full report (the replay).

import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { faultStepsDefault } from './constants.ts';
import { formatReport } from './format.ts';
import { bugNames, profiles, type BugName } from './profiles.ts';
import { runSimulation } from './simulator.ts';

const usage = `usage: npm run sim -- [--seeds N] [--seed S] [--nodes 3|5] [--steps K] [--bug NAME] [--profile NAME] [--schedule]
  --seeds N     run N consecutive seeds starting at --seed (default: a random start)
  --seed S      the (first) seed; alone, replays that seed with a full report
  --nodes       3 (default) or 5
  --steps K     fault-phase length in ticks (default ${faultStepsDefault})
  --bug NAME    plant a bug in the core: ${bugNames.join(', ')}
  --profile P   fault mix: ${Object.keys(profiles).join(', ')} (default: the bug's, or normal)
  --schedule    print the fault schedule of each reported seed`;

function main(): number {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string' },
      seed: { type: 'string' },
      nodes: { type: 'string', default: '3' },
      steps: { type: 'string' },
      bug: { type: 'string' },
      profile: { type: 'string' },
      schedule: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const nodes = Number(values.nodes);
  const steps = values.steps === undefined ? faultStepsDefault : Number(values.steps);
  const bug = (values.bug ?? null) as BugName | null;
  if ((nodes !== 3 && nodes !== 5) || !Number.isInteger(steps) || steps < 1 || (bug !== null && !bugNames.includes(bug)) || (values.profile !== undefined && !(values.profile in profiles))) {
    console.error(usage);
    return 2;
  }
  const single = values.seeds === undefined && values.seed !== undefined;
  const count = single ? 1 : Number(values.seeds ?? 100);
  const first = values.seed !== undefined ? Number(values.seed) : randomInt(0, 2 ** 40);
  if (!Number.isSafeInteger(first) || first < 0 || !Number.isInteger(count) || count < 1) {
    console.error(usage);
    return 2;
  }
  console.log(`sim: ${count} seed(s) from ${first}, nodes=${nodes}, steps=${steps}${bug ? `, bug=${bug}` : ''}`);
  const started = performance.now();
  let violations = 0;
  for (let i = 0; i < count; i++) {
    const r = runSimulation({ seed: first + i, nodes, steps, bug, profile: values.profile });
    if (single || !r.ok) console.log(formatReport(r, { schedule: values.schedule }));
    if (!r.ok) violations++;
  }
  const secs = (performance.now() - started) / 1000;
  console.log(`sim: ${count} seed(s) in ${secs.toFixed(1)}s (${(count / secs).toFixed(1)} seeds/s), ${violations} violation(s)`);
  return violations > 0 ? 1 : 0;
}

process.exitCode = main();
