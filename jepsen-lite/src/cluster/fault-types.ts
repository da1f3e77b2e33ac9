// The shapes shared by the schedule, the injector and the fault appliers.

import type { JepsenCluster } from './cluster.ts';
import type { FaultName } from './fault-names.ts';
import type { SeededRandom } from './prng.ts';

/** One planned fault: `at` ms after the start, healed `durationMs` later. */
export interface PlannedFault {
  readonly name: FaultName;
  readonly atMs: number;
  readonly durationMs: number;
  /** a number drawn from the seed for the injector's choices (which node, which half) */
  readonly pick: number;
}

/** What the injector did, to undo it at heal. */
export interface AppliedFault {
  readonly targets: string[];
  readonly detail: string;
  heal(): Promise<void>;
  /**
   * What the fault itself expects of the cluster, checked after heal (a damaged node reported
   * itself disabled and never led, a repaired or re-added node caught up): the violations seen.
   */
  expectations?(): Promise<string[]>;
}

/** What the fault appliers get: the cluster, the planned fault and its seeded choices. */
export interface FaultContext {
  readonly c: JepsenCluster;
  readonly f: PlannedFault;
  readonly rnd: SeededRandom;
  leaderOrAny(): Promise<string>;
}
