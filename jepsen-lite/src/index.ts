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

// The cluster tier: real processes, network namespaces or a fault-injecting TCP proxy, the official client, checkers.
export { runJepsen, commandLine, type RunOptions, type RunResult } from './cluster/runner.ts';
export { checkAll, checkLost, checkUnexpected, checkDuplicated, checkRecovered, checkFifo, checkOnePerPosition, checkAvailability, unavailabilityWindows, type CheckResult, type FaultWindow } from './cluster/checkers.ts';
export { TcpProxy, ProxyMesh, partitionLinks, passRule, type LinkRule, type Link, type PartitionShape } from './cluster/tcp-proxy.ts';
export { implementedFaults, fiveNodeFaults, faultsFor, checkFaultsForNodes, parseFaults, planSchedule, type FaultName, type PlannedFault } from './cluster/faults.ts';
export { JepsenCluster } from './cluster/cluster.ts';
export { chooseNetwork, decideNetwork, detectNetns, NetnsNetwork, NetnsTopology, ProxyNetwork, networkModes, type ClusterNetwork, type NetworkChoice, type NetworkMode } from './cluster/network/index.ts';
export { HistoryRecorder, type Op, type FaultRecord } from './cluster/history.ts';
export { renderText, renderHtml } from './cluster/report.ts';
export { renderTable, suiteRow, type SuiteRow } from './cluster/suite.ts';
export { FaultNodesError, FaultInjectionError, UnknownFaultError, ClusterStartError, OpTimeoutError, ProxyError, UsageError } from './cluster/errors.ts';
