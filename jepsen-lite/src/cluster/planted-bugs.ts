// TEST ONLY: the planted bugs of the cluster tier and the runs that expose them. Each bug is a
// switch of the node runtime (`testPlantedBug`, refused unless the process runs with
// LEDGERMQ_TEST_MODE=1) that breaks one Raft rule on every node; a run of the real cluster
// with it, under the fault below, must be reported as a FAILURE by the checkers.

import { plantedBugs, type PlantedBug } from '@ledgermq/raft-node';
import { UsageError } from './errors.ts';
import type { FaultName } from './faults.ts';
import type { WorkloadName } from './workload.ts';

export { plantedBugs, type PlantedBug };

export function parsePlantedBug(text: string | undefined): PlantedBug | null {
  if (text === undefined || text === '' || text === 'none') return null;
  if (!(plantedBugs as readonly string[]).includes(text)) throw new UsageError(`--planted-bug must be one of ${plantedBugs.join(', ')}, got ${text}`);
  return text as PlantedBug;
}

/** A run that exposes a planted bug, and the checkers expected to catch it (any of them). */
export interface Exposure {
  readonly bug: PlantedBug;
  readonly workload: WorkloadName;
  readonly fault: FaultName;
  readonly timeS: number;
  readonly rate: number;
  readonly seed: number;
  readonly proxyClients: boolean;
  /** short faults and calms: many exposure windows in one short run */
  readonly faultMs: number;
  readonly calmMs: number;
  /** why this fault shows this bug */
  readonly why: string;
  readonly caughtBy: readonly string[];
}

/** Many short faults in a short run: many exposure windows (see the README's planted bugs). */
const manyShortFaults = { workload: 'queue', timeS: 30, rate: 200, seed: 1, proxyClients: false, faultMs: 2_000, calmMs: 3_000 } as const;

export const exposures: Readonly<Record<PlantedBug, Exposure>> = {
  'ack-before-commit': {
    bug: 'ack-before-commit',
    ...manyShortFaults,
    fault: 'partition-leader',
    why: 'until it steps down (check quorum, about one election timeout) the isolated leader acknowledges sends (and commits consumer offsets) on its own copy; the new leader never has them',
    caughtBy: ['lost', 'one-per-position', 'duplicated', 'progress'],
  },
  'read-uncommitted': {
    bug: 'read-uncommitted',
    ...manyShortFaults,
    fault: 'partition-leader',
    why: "until it steps down the isolated leader hands out messages (and applies consumer offsets) it never commits; the new leader stores other messages at the same offsets, and the retried sends again",
    caughtBy: ['one-per-position', 'duplicated', 'progress', 'lost'],
  },
  'skip-noop': {
    bug: 'skip-noop',
    ...manyShortFaults,
    fault: 'kill-leader',
    why: "a new leader serves before applying what its predecessor committed: a retried send is not found and is stored again, consumer offsets are read stale",
    caughtBy: ['duplicated', 'one-per-position', 'progress', 'lost'],
  },
};
