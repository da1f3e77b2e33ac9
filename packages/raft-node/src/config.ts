// Node configuration: RocketMQ/DLedger-style keys, read from a properties file
// (`key=value`, `#` comments) and/or overridden programmatically.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  adminPortBase,
  electionTicksDefault,
  heartbeatTicksDefault,
  retentionMaxAgeMsDefault,
  segmentBytesDefault,
  tickMsDefault,
} from './constants.ts';

export interface NodeConfig {
  /** Raft group id (`dLegerGroup`); a peer or data directory of another group is refused. */
  readonly groupId: string;
  /** This node's id (`dLegerSelfId`), one of `peers`. */
  readonly selfId: string;
  /** `dLegerPeers`: `n0-127.0.0.1:40911;n1-127.0.0.1:40912;...` */
  readonly peers: string;
  /** `storePathRootDir`: the node's data directory; the log lives in `<dir>/raft`. */
  readonly dataDir: string;
  /** Admin endpoint (status, propose, transfer, membership): `adminListenPort`. */
  readonly adminHost: string;
  readonly adminPort: number;
  /** `mappedFileSizeCommitLog`: segment size in bytes. */
  readonly segmentBytes: number;
  /** `fileReservedTime` in hours, as RocketMQ. */
  readonly retentionMaxAgeMs: number;
  readonly tickMs: number;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  /**
   * `raftLeaderBeacon`: as leader, also tell the followers it is alive from a thread of its own
   * (leader-beacon/), so a main loop busy for longer than an election timeout is not deposed.
   */
  readonly leaderBeacon: boolean;
  /** `verifyCommitLogOnStart`: check every segment's CRCs at start-up, not only the tail. */
  readonly verifyOnStart: boolean;
  /** `diskMaxUsedSpaceRatio` (percent): above it, retention deletes old segments by size too. */
  readonly diskMaxUsedSpaceRatioPercent: number;
  /**
   * TEST ONLY (`testPlantedBug`): a planted consistency bug, so the jepsen-lite checkers can show
   * they catch it. Refused unless the process runs with LEDGERMQ_TEST_MODE=1. Null = none (always in production).
   */
  readonly plantedBug: PlantedBug | null;
  /**
   * TEST ONLY (`testVolatileWrites=true`, jepsen-lite's power-loss): the log's writes since its
   * last fsync stay in process memory, so kill -9 loses them as a power loss would. Refused
   * unless the process runs with LEDGERMQ_TEST_MODE=1. Absent = false.
   */
  readonly volatileWritesForTests?: boolean;
}

/** The planted bugs `testPlantedBug` accepts (test only; see jepsen-lite/src/cluster/README.md). */
export const plantedBugs = ['ack-before-commit', 'read-uncommitted', 'skip-noop'] as const;
export type PlantedBug = (typeof plantedBugs)[number];

/** The environment variable that puts a process in test mode (the only way to allow a planted bug). */
export const testModeEnv = 'LEDGERMQ_TEST_MODE';

export class ConfigError extends Error {
  readonly retriable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

const knownKeys = new Set([
  'brokerClusterName', 'brokerName', 'dLegerGroup', 'dLegerPeers', 'dLegerSelfId', 'storePathRootDir',
  'adminListenPort', 'adminListenHost', 'mappedFileSizeCommitLog', 'fileReservedTime',
  'raftTickMs', 'raftElectionTicks', 'raftHeartbeatTicks', 'raftLeaderBeacon', 'enableDLegerCommitLog', 'verifyCommitLogOnStart', 'diskMaxUsedSpaceRatio',
  'testPlantedBug', 'testVolatileWrites',
]);

export function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  text.split(/\r?\n/).forEach((raw, lineNo) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) return;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new ConfigError(`line ${lineNo + 1}: expected key=value, got "${line}"`);
    out.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  });
  return out;
}

function int(props: Map<string, string>, key: string, fallback: number, min: number): number {
  const raw = props.get(key);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min) throw new ConfigError(`${key} must be an integer >= ${min}, got "${raw}"`);
  return n;
}

function bool(props: Map<string, string>, key: string, fallback: boolean): boolean {
  const raw = props.get(key);
  if (raw === undefined) return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new ConfigError(`${key} must be true or false, got "${raw}"`);
}

function percent(props: Map<string, string>, key: string, fallback: number): number {
  const n = int(props, key, fallback, 1);
  if (n > 100) throw new ConfigError(`${key} is a percentage (1..100), got ${n}`);
  return n;
}

function required(props: Map<string, string>, key: string): string {
  const v = props.get(key);
  if (v === undefined || v === '') throw new ConfigError(`missing required key ${key}`);
  return v;
}

/** `testPlantedBug`: refused outside test mode, and any value outside the list. */
function plantedBug(props: Map<string, string>, testMode: boolean): PlantedBug | null {
  const raw = props.get('testPlantedBug');
  if (raw === undefined || raw === '' || raw === 'none') return null;
  if (!(plantedBugs as readonly string[]).includes(raw)) throw new ConfigError(`testPlantedBug must be one of ${plantedBugs.join(', ')} (or none), got "${raw}"`);
  if (!testMode) throw new ConfigError(`testPlantedBug=${raw} plants a consistency bug and is refused unless the process runs with ${testModeEnv}=1 (test only)`);
  return raw as PlantedBug;
}

/** `testVolatileWrites`: makes kill -9 a power loss for the log; refused outside test mode. */
function volatileWrites(props: Map<string, string>, testMode: boolean): boolean {
  const on = bool(props, 'testVolatileWrites', false);
  if (on && !testMode) throw new ConfigError(`testVolatileWrites=true loses unfsynced writes on a kill and is refused unless the process runs with ${testModeEnv}=1 (test only)`);
  return on;
}

/**
 * Builds a NodeConfig; `warn` hears about unknown keys (a typo must not pass silently).
 * `testMode` (LEDGERMQ_TEST_MODE=1 by default) is what allows `testPlantedBug`.
 */
export function configFromProperties(props: Map<string, string>, warn: (msg: string) => void = () => {}, testMode = process.env[testModeEnv] === '1'): NodeConfig {
  for (const key of props.keys()) if (!knownKeys.has(key)) warn(`unknown config key ${key} (ignored)`);
  const selfId = required(props, 'dLegerSelfId');
  const selfIndex = Number(/(\d+)$/.exec(selfId)?.[1] ?? 0);
  return {
    groupId: required(props, 'dLegerGroup'),
    selfId,
    peers: required(props, 'dLegerPeers'),
    dataDir: path.resolve(required(props, 'storePathRootDir')),
    adminHost: props.get('adminListenHost') ?? '127.0.0.1',
    adminPort: int(props, 'adminListenPort', adminPortBase + selfIndex, 0),
    segmentBytes: int(props, 'mappedFileSizeCommitLog', segmentBytesDefault, 4096),
    retentionMaxAgeMs: props.has('fileReservedTime')
      ? int(props, 'fileReservedTime', 72, 0) * 3600 * 1000
      : retentionMaxAgeMsDefault,
    tickMs: int(props, 'raftTickMs', tickMsDefault, 1),
    electionTicks: int(props, 'raftElectionTicks', electionTicksDefault, 2),
    heartbeatTicks: int(props, 'raftHeartbeatTicks', heartbeatTicksDefault, 1),
    leaderBeacon: bool(props, 'raftLeaderBeacon', true),
    verifyOnStart: bool(props, 'verifyCommitLogOnStart', true),
    diskMaxUsedSpaceRatioPercent: percent(props, 'diskMaxUsedSpaceRatio', 75),
    plantedBug: plantedBug(props, testMode),
    volatileWritesForTests: volatileWrites(props, testMode),
  };
}

export function loadConfigFile(file: string, warn?: (msg: string) => void): NodeConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`, { cause: err });
  }
  return configFromProperties(parseProperties(text), warn);
}

export function configToProperties(cfg: NodeConfig): string {
  return [
    `dLegerGroup=${cfg.groupId}`,
    `dLegerSelfId=${cfg.selfId}`,
    `dLegerPeers=${cfg.peers}`,
    `storePathRootDir=${cfg.dataDir}`,
    `adminListenHost=${cfg.adminHost}`,
    `adminListenPort=${cfg.adminPort}`,
    `mappedFileSizeCommitLog=${cfg.segmentBytes}`,
    `fileReservedTime=${Math.round(cfg.retentionMaxAgeMs / 3600_000)}`,
    `raftTickMs=${cfg.tickMs}`,
    `raftElectionTicks=${cfg.electionTicks}`,
    `raftHeartbeatTicks=${cfg.heartbeatTicks}`,
    `raftLeaderBeacon=${cfg.leaderBeacon}`,
    `verifyCommitLogOnStart=${cfg.verifyOnStart}`,
    `diskMaxUsedSpaceRatio=${cfg.diskMaxUsedSpaceRatioPercent}`,
    ...(cfg.plantedBug === null ? [] : [`testPlantedBug=${cfg.plantedBug}`]),
    '',
  ].join('\n');
}
