// Broker node configuration: RocketMQ / DLedger property keys, one file per node
// (`ledgermq broker -c broker-n0.conf`). Raft keys are handed to the node runtime's parser;
// the broker's own keys are read here. Unknown keys are warned about, never ignored silently.

import { readFileSync } from 'node:fs';
import { protocolLimits } from '@ledgermq/protocol';
import { ConfigError, configFromProperties, parseProperties, testModeEnv, type NodeConfig } from '@ledgermq/raft-node';
import {
  defaultTopicQueueNums,
  messageBodyBytesMax,
  metricsPortBase,
  registerIntervalMsDefault,
  routeLeaderEntriesDefault,
  timerDelayMsMax,
  transactionCheckIntervalMsDefault,
  transactionCheckMaxDefault,
  transactionTimeoutMsDefault,
  v2PortBase,
} from '../constants.ts';
import { messageDelayLevelDefault, parseDelayLevels } from '../producer/delay-levels.ts';

export interface BrokerConfig {
  readonly clusterName: string;
  readonly brokerName: string;
  /** Address clients are told to connect to (`brokerIP1`). */
  readonly advertisedHost: string;
  /** v2 gRPC endpoint (`listenPort`). */
  readonly listenHost: string;
  readonly listenPort: number;
  /**
   * Port clients are told to connect to (`advertisedListenPort`, a LedgerMQ key: RocketMQ has
   * none). Defaults to `listenPort`; differs when something (a proxy, a NAT) sits in front of it.
   */
  readonly advertisedPort: number;
  readonly namesrvAddrs: readonly string[];
  readonly registerIntervalMs: number;
  readonly autoCreateTopic: boolean;
  readonly defaultTopicQueueNums: number;
  /**
   * `routeLeaderEntries` (a LedgerMQ key): how many of a group's entries in a v2 route name its
   * leader, each follower having one. The official client spreads sends round robin over them,
   * and a send that reaches a follower costs a forward; failover is unaffected (the client's
   * retries go to distinct nodes).
   */
  readonly routeLeaderEntries: number;
  readonly maxMessageBytes: number;
  readonly transactionTimeoutMs: number;
  readonly transactionCheckIntervalMs: number;
  readonly transactionCheckMax: number;
  readonly timerDelayMsMax: number;
  /** `messageDelayLevel` (RocketMQ's 18 delay levels by default), in ms. */
  readonly delayLevelsMs: readonly number[];
  readonly metricsPort: number;
  /** `accessKey` / `secretKey`: when set, every v2 call must be signed with them (40100 otherwise). */
  readonly credentials: readonly { readonly accessKey: string; readonly secretKey: string }[];
  /**
   * TEST ONLY (`testClockOffsetFile`, jepsen-lite's clock-jump): a file whose integer content
   * (ms) offsets this node's wall clock; see wall-clock.ts. Refused unless the process runs
   * with LEDGERMQ_TEST_MODE=1. Absent or null = the real clock (always in production).
   */
  readonly clockOffsetFileForTests?: string | null;
  /** The Raft member this broker node is. */
  readonly node: NodeConfig;
}

/** Keys this parser reads; the rest go to the Raft runtime's parser (which warns on unknown ones). */
const brokerKeys = new Set([
  'brokerClusterName', 'brokerName', 'brokerId', 'brokerIP1', 'listenHost', 'listenPort', 'namesrvAddr',
  'registerNameServerPeriod', 'autoCreateTopicEnable', 'defaultTopicQueueNums', 'maxMessageSize',
  'transactionTimeout', 'transactionCheckInterval', 'transactionCheckMax', 'timerMaxDelaySec',
  'metricsPromExporterPort', 'flushDiskType', 'brokerRole', 'accessKey', 'secretKey', 'testClockOffsetFile', 'advertisedListenPort', 'messageDelayLevel', 'routeLeaderEntries',
]);

export function brokerConfigFromProperties(props: Map<string, string>, warn: (msg: string) => void = () => {}): BrokerConfig {
  const flush = props.get('flushDiskType');
  if (flush !== undefined && flush !== 'SYNC_FLUSH') {
    throw new ConfigError(`flushDiskType=${flush} is not supported: LedgerMQ acknowledges only after an fsync on a quorum (SYNC_FLUSH)`);
  }
  if (props.has('brokerId')) warn('brokerId is ignored: the Raft leader is the master (brokerId 0)');
  if (props.has('brokerRole')) warn('brokerRole is ignored: roles follow the Raft election');
  const brokerName = required(props, 'brokerName');
  const raftProps = new Map([...props].filter(([k]) => !brokerKeys.has(k)));
  if (!raftProps.has('dLegerGroup')) raftProps.set('dLegerGroup', brokerName);
  const node = configFromProperties(raftProps, warn);
  const selfIndex = Number(/(\d+)$/.exec(node.selfId)?.[1] ?? 0);
  const advertisedHost = props.get('brokerIP1') ?? '127.0.0.1';
  const listenPort = int(props, 'listenPort', v2PortBase + selfIndex, 0, 65_535);
  return {
    clusterName: props.get('brokerClusterName') ?? 'DefaultCluster',
    brokerName,
    advertisedHost,
    listenHost: props.get('listenHost') ?? advertisedHost,
    listenPort,
    advertisedPort: int(props, 'advertisedListenPort', listenPort, 1, 65_535),
    namesrvAddrs: parseNamesrvAddrs(props.get('namesrvAddr') ?? ''),
    registerIntervalMs: int(props, 'registerNameServerPeriod', registerIntervalMsDefault, 100, 600_000),
    autoCreateTopic: bool(props, 'autoCreateTopicEnable', true),
    defaultTopicQueueNums: int(props, 'defaultTopicQueueNums', defaultTopicQueueNums, 1, 1024),
    routeLeaderEntries: int(props, 'routeLeaderEntries', routeLeaderEntriesDefault, 1, protocolLimits.leaderEntriesMax),
    maxMessageBytes: int(props, 'maxMessageSize', messageBodyBytesMax, 1, messageBodyBytesMax),
    transactionTimeoutMs: int(props, 'transactionTimeout', transactionTimeoutMsDefault, 1, 86_400_000),
    transactionCheckIntervalMs: int(props, 'transactionCheckInterval', transactionCheckIntervalMsDefault, 1, 86_400_000),
    transactionCheckMax: int(props, 'transactionCheckMax', transactionCheckMaxDefault, 1, 1_000),
    timerDelayMsMax: int(props, 'timerMaxDelaySec', timerDelayMsMax / 1000, 1, 365 * 86_400) * 1000,
    delayLevelsMs: parseDelayLevels(props.get('messageDelayLevel') ?? messageDelayLevelDefault),
    metricsPort: int(props, 'metricsPromExporterPort', metricsPortBase + selfIndex, 0, 65_535),
    credentials: credentials(props),
    clockOffsetFileForTests: clockOffsetFile(props),
    node,
  };
}

export function loadBrokerConfig(file: string, warn?: (msg: string) => void): BrokerConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`, { cause: err });
  }
  return brokerConfigFromProperties(parseProperties(text), warn);
}

/** `namesrvAddr=127.0.0.1:9876;127.0.0.1:9877` (RocketMQ's separator), empty = none. */
export function parseNamesrvAddrs(text: string): string[] {
  const out = text.split(';').map((s) => s.trim()).filter((s) => s !== '');
  for (const a of out) {
    if (!/^[^:\s]+:\d{1,5}$/.test(a)) throw new ConfigError(`namesrvAddr: "${a}" is not host:port`);
  }
  return out;
}

/** `testClockOffsetFile`: test only, refused unless LEDGERMQ_TEST_MODE=1. */
function clockOffsetFile(props: Map<string, string>): string | null {
  const file = props.get('testClockOffsetFile') ?? '';
  if (file === '') return null;
  if (process.env[testModeEnv] !== '1') throw new ConfigError(`testClockOffsetFile moves this node's wall clock and is refused unless the process runs with ${testModeEnv}=1 (test only)`);
  return file;
}

function credentials(props: Map<string, string>): { accessKey: string; secretKey: string }[] {
  const accessKey = props.get('accessKey') ?? '';
  const secretKey = props.get('secretKey') ?? '';
  if (accessKey === '' && secretKey === '') return [];
  if (accessKey === '' || secretKey === '') throw new ConfigError('accessKey and secretKey go together: set both or neither');
  return [{ accessKey, secretKey }];
}

function required(props: Map<string, string>, key: string): string {
  const v = props.get(key);
  if (v === undefined || v === '') throw new ConfigError(`missing required key ${key}`);
  return v;
}

function int(props: Map<string, string>, key: string, fallback: number, min: number, max: number): number {
  const raw = props.get(key);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new ConfigError(`${key} must be an integer in ${min}..${max}, got "${raw}"`);
  return n;
}

function bool(props: Map<string, string>, key: string, fallback: boolean): boolean {
  const raw = props.get(key);
  if (raw === undefined) return fallback;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  throw new ConfigError(`${key} must be true or false, got "${raw}"`);
}

/** Bind addresses that mean "every interface": other processes cannot connect to them. */
const wildcardHosts = new Set(['0.0.0.0', '::', '[::]']);

/**
 * The admin endpoint other processes are told (registered with the NameServers, used by the
 * CLI's raftStatus / clusterList and by followers looking up their leader's). A node that binds
 * every interface (adminListenHost=0.0.0.0, as in a container) is reached at brokerIP1 instead.
 */
export function advertisedAdminAddress(cfg: BrokerConfig): string {
  const host = wildcardHosts.has(cfg.node.adminHost) ? cfg.advertisedHost : cfg.node.adminHost;
  return `${host}:${cfg.node.adminPort}`;
}
