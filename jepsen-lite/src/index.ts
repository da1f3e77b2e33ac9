// jepsen-lite: the fault-injection harness. This entry exposes the simulation tier.

export { runSimulation, replayCommand, type SimOptions, type SimReport } from './sim/simulator.ts';
export { formatReport } from './sim/format.ts';
export { InvariantChecker, type CheckerStats } from './sim/invariants.ts';
export { LogMirror, type EntryView } from './sim/log-mirror.ts';
export { SimNetwork, calmNetwork, type NetworkOptions } from './sim/network.ts';
export { Prng } from './sim/prng.ts';
export { EventQueue } from './sim/event-queue.ts';
export { randomSchedule, describeFault, defaultMix, type FaultEvent, type FaultMix, type Target } from './sim/faults.ts';
export { profiles, profileForBug, bugNames, type SimProfile, type BugName } from './sim/profiles.ts';
export { InvariantViolation, SimCrashError, SimError } from './sim/errors.ts';
export { scheduleArb, faultArb } from './sim/schedule-arbitrary.ts';
export { MemoryDisk, type SimDisk, type SimLedger } from './sim/sim-disk.ts';
export { LedgerDisk } from './sim/ledger-disk.ts';
