export { RaftNode, openNodeLedger, type RaftNodeDeps, type LeaderInfo } from './raft-node.ts';
export type { Committed } from './proposal-tracker.ts';
export { AdminServer } from './admin/admin-server.ts';
export { AdminClient, AdminCallError, type ProposeResult } from './admin/admin-client.ts';
export { type NodeConfig, type PlantedBug, ConfigError, configFromProperties, configToProperties, loadConfigFile, parseProperties, plantedBugs, testModeEnv } from './config.ts';
export { DigestStateMachine } from './digest-state-machine.ts';
export type { StateMachine } from './state-machine.ts';
export * from './errors.ts';
export * as nodeConstants from './constants.ts';

export { LocalGroup, freePorts, delay, type LocalGroupOptions, type NodeHandle } from './local-group.ts';
export { cpuMs, peakRssMiB } from './process-stats.ts';
export { installTestStall, testStallFile } from './test-stall.ts';
export { initialVotersOf } from './peer-book.ts';
export { BenchUsageError, runBench, type BenchArgs } from './bench-cli.ts';
export { FailureCounts, failureCause, openLoop, quantiles, type FailureSummary, type OpenLoopResult } from './open-loop.ts';
