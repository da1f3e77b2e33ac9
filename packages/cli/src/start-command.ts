// `ledgermq start` (what `npm start` runs): a NameServer and broker group(s) of real processes on
// loopback with the fixed ports, data under ./data, watched until Ctrl-C. `--raft-only` keeps the
// bare Raft group (no broker, no NameServer) for people who only want the replicated log.

import net from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LocalGroup, nodeConstants } from '@ledgermq/raft-node';
import { LocalCluster, stopGraceMsDefault, type NodeStatus } from '@ledgermq/broker/local';
import { positiveInt, UsageError, usageErrorOf } from './usage-error.ts';

export interface StartOptions {
  readonly nodes: number;
  readonly dataDir: string;
  readonly segmentBytes?: number;
  /** Broker groups (broker-a, broker-b, …); ignored with raftOnly. Default 1. */
  readonly groups?: number;
  /** A bare Raft group (LocalGroup), as before the broker existed. */
  readonly raftOnly?: boolean;
}

export const startUsage = `start [--nodes 3|5] [--groups N] [--data ./data] [--segment-bytes N] [--raft-only]
      a NameServer and N three- (or five-) node broker groups on loopback (real processes,
      fixed ports: namesrv 9876, v2 8081+, peer 40911+, admin 40811+, metrics 5557+);
      --raft-only: a bare Raft group instead (no broker, no NameServer); Ctrl-C stops it`;

const groupsMax = 10;
const raftOnlyNodesMax = 9;
const namesrvStartMs = 20_000;

export function parseStartArgs(argv: readonly string[]): StartOptions {
  let values: { nodes?: string; groups?: string; data?: string; 'segment-bytes'?: string; 'raft-only'?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        nodes: { type: 'string' },
        groups: { type: 'string' },
        data: { type: 'string' },
        'segment-bytes': { type: 'string' },
        'raft-only': { type: 'boolean' },
      },
    }));
  } catch (err) {
    throw usageErrorOf(err);
  }
  const raftOnly = values['raft-only'] === true;
  if (raftOnly && values.groups !== undefined) throw new UsageError('--groups does not go with --raft-only (a bare Raft group is one group)');
  const nodes = values.nodes === undefined ? 3 : positiveInt('--nodes', values.nodes, raftOnly ? raftOnlyNodesMax : 5);
  if (!raftOnly && nodes !== 3 && nodes !== 5) throw new UsageError(`--nodes must be 3 or 5, got "${values.nodes}"`);
  const groups = values.groups === undefined ? 1 : positiveInt('--groups', values.groups, groupsMax);
  const segmentBytes = values['segment-bytes'] === undefined ? undefined : positiveInt('--segment-bytes', values['segment-bytes']);
  if (segmentBytes !== undefined && segmentBytes < 4096) throw new UsageError(`--segment-bytes must be at least 4096, got ${segmentBytes}`);
  const dataDir = values.data ?? './data';
  if (dataDir.trim() === '') throw new UsageError('--data must not be empty');
  return { nodes, groups, dataDir, segmentBytes, raftOnly };
}

export async function startCommand(opts: StartOptions): Promise<number> {
  return opts.raftOnly === true ? startRaftGroup(opts) : startBrokerCluster(opts);
}

// ---------------------------------------------------------------------------------------
// NameServer + broker groups

async function startBrokerCluster(opts: StartOptions): Promise<number> {
  if (!LocalCluster.brokerMainExists()) {
    say('the broker node (packages/broker/src/main.ts) is not in this checkout yet; `npm start -- --raft-only` runs a bare Raft group');
    return 1;
  }
  const nodes = opts.nodes;
  if (nodes !== 3 && nodes !== 5) throw new UsageError(`--nodes must be 3 or 5, got ${nodes}`);
  const dataDir = path.resolve(opts.dataDir);
  const cluster = await LocalCluster.create({ dataDir, ports: 'fixed', brokerGroups: opts.groups ?? 1, nodesPerGroup: nodes, segmentBytes: opts.segmentBytes });
  const busy = await portsInUse(cluster.ports());
  if (busy.length > 0) {
    say(`ports already in use on 127.0.0.1: ${busy.join(', ')} (is another \`ledgermq start\` running?)`);
    return 1;
  }

  const stop = stopSignal();
  let stopping = false;
  const watchExit = (id: string) => {
    const child = cluster.handle(id).process!;
    child.once('exit', (code, signal) => {
      if (!stopping) say(`${id} exited (code ${code ?? '-'}, signal ${signal ?? '-'}); see ${cluster.handle(id).logFile}`);
    });
  };

  for (const n of cluster.namesrvs) {
    cluster.start(n.id);
    watchExit(n.id);
  }
  const namesrvUp = await Promise.race([cluster.waitForNamesrvs(namesrvStartMs).then(() => null, (err: Error) => err), stop.then(() => 'stopped' as const)]);
  if (namesrvUp !== null) {
    stopping = true;
    if (namesrvUp !== 'stopped') say(`the NameServer did not come up: ${namesrvUp.message}`);
    await cluster.close(stopGraceMsDefault);
    stop.dispose();
    return namesrvUp === 'stopped' ? 0 : 1;
  }
  for (const b of cluster.brokers) {
    cluster.start(b.id);
    watchExit(b.id);
  }

  say(`namesrvAddr: ${cluster.namesrvAddr()}`);
  say(`endpoints: ${cluster.v2Endpoints().join(';')}`);
  for (const g of cluster.plan.groups) {
    const list = g.nodes.map((n) => `${n.selfId} v2 ${n.host}:${n.v2Port} peer :${n.peerPort} admin :${n.adminPort} metrics :${n.metricsPort}`);
    say(`${g.brokerName}: ${list.join(', ')}`);
  }
  say(`a client takes ONE endpoint (e.g. endpoints: '${cluster.v2Endpoints()[0]}'); the routes it gets list every node`);
  say(`data under ${dataDir}; logs in <data>/<broker>/<node>/node.log and <data>/namesrv-<i>/namesrv.log; Ctrl-C stops everything`);

  const last = new Map<string, string>();
  let polling = false;
  const timer = setInterval(() => {
    if (polling) return;
    polling = true;
    void cluster
      .statuses()
      .then((st) => {
        for (const g of cluster.plan.groups) {
          const text = groupLine(g.nodes.map((n) => ({ selfId: n.selfId, status: st.get(n.id) })));
          if (last.get(g.brokerName) !== text) {
            last.set(g.brokerName, text);
            if (!stopping) say(`${g.brokerName}: ${text}`);
          }
        }
      })
      .finally(() => {
        polling = false;
      });
  }, nodeConstants.statusPollMs);

  await stop;
  stopping = true;
  clearInterval(timer);
  say('stopping the broker nodes, then the NameServer…');
  await cluster.close(stopGraceMsDefault);
  stop.dispose();
  say('stopped');
  return 0;
}

/** `leader n0 term 2 commit 17 | n0:leader n1:follower n2:down` */
export function groupLine(nodes: ReadonlyArray<{ readonly selfId: string; readonly status: NodeStatus | undefined }>): string {
  const roles = nodes.map(({ selfId, status }) => `${selfId}:${status === undefined ? 'down' : `${status.role}${status.disabled ? '(disabled)' : ''}`}`).join(' ');
  const leader = nodes.find((n) => n.status?.role === 'leader');
  const summary = leader ? `leader ${leader.selfId} term ${leader.status!.term} commit ${leader.status!.commit}` : 'no leader';
  return `${summary} | ${roles}`;
}

// ---------------------------------------------------------------------------------------
// --raft-only: the bare Raft group

async function startRaftGroup(opts: StartOptions): Promise<number> {
  const dataDir = path.resolve(opts.dataDir);
  const group = await LocalGroup.create({ dataDir, nodes: opts.nodes, ports: 'fixed', segmentBytes: opts.segmentBytes });
  const busy = await portsInUse(group.nodes.flatMap((h) => [peerPort(h.config.peers, h.id), h.config.adminPort]));
  if (busy.length > 0) {
    say(`ports already in use on 127.0.0.1: ${busy.join(', ')} (is another \`ledgermq start\` running?)`);
    return 1;
  }
  const stop = stopSignal();
  let stopping = false;
  group.startAll();
  for (const h of group.nodes) {
    h.process!.once('exit', (code, signal) => {
      if (!stopping) say(`${h.id} exited (code ${code ?? '-'}, signal ${signal ?? '-'}); see ${path.join(h.config.dataDir, 'node.log')}`);
    });
  }
  say(`raft group ${group.nodes[0]!.config.groupId}: ${group.nodes.map((h) => `${h.id} peer 127.0.0.1:${peerPort(h.config.peers, h.id)} admin 127.0.0.1:${h.config.adminPort}`).join(', ')}`);
  say(`data under ${dataDir}; logs in <data>/<node>/node.log; Ctrl-C stops the group`);

  let last = '';
  let polling = false;
  const timer = setInterval(() => {
    if (polling) return;
    polling = true;
    void group
      .statuses()
      .then((st) => {
        const text = groupLine(group.nodes.map((h) => ({ selfId: h.id, status: st.get(h.id) as NodeStatus | undefined })));
        if (text !== last) {
          last = text;
          if (!stopping) say(text);
        }
      })
      .finally(() => {
        polling = false;
      });
  }, nodeConstants.statusPollMs);

  await stop;
  stopping = true;
  clearInterval(timer);
  say('stopping the group…');
  await group.stopAll();
  stop.dispose();
  say('stopped');
  return 0;
}

// ---------------------------------------------------------------------------------------

/** Resolves on the first SIGINT or SIGTERM; `dispose` removes the handlers. */
function stopSignal(): Promise<void> & { dispose: () => void } {
  let onSignal: () => void = () => {};
  const p = new Promise<void>((resolve) => {
    onSignal = () => resolve();
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  return Object.assign(p, {
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  });
}

/** Which of these ports something on 127.0.0.1 already listens on. */
async function portsInUse(ports: readonly number[]): Promise<number[]> {
  const busy: number[] = [];
  for (const port of ports) {
    const free = await new Promise<boolean>((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (!free) busy.push(port);
  }
  return busy;
}

function peerPort(peers: string, id: string): number {
  const addr = peers.split(';').find((p) => p.startsWith(`${id}-`))?.slice(id.length + 1) ?? '';
  return Number(addr.slice(addr.lastIndexOf(':') + 1));
}

function say(text: string): void {
  process.stdout.write(`${new Date().toISOString()} ${text}\n`);
}
