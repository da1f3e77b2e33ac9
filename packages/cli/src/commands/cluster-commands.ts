// clusterList and brokerStatus: the NameServer's view of every node, with each node's runtime
// table from its admin endpoint.

import { BrokerAdminClient, type BrokerRuntimeReply } from '../broker-admin.ts';
import { optionalString } from './command-args.ts';
import { emit, type Command } from './command.ts';
import { adminTargets, clusterInfo, requireBrokerOrCluster, selectGroups } from './cluster-view.ts';
import { formatKeyValues, formatTable } from './table.ts';

export interface ClusterListRow {
  readonly clusterName: string;
  readonly brokerName: string;
  readonly brokerId: number;
  readonly nodeId: string;
  readonly role: string;
  readonly term: number;
  readonly addr: string;
  readonly adminAddr: string;
  readonly version: string;
  readonly inTps: number;
  readonly outTps: number;
  readonly hours: number;
  readonly activated: boolean;
  /** Why the runtime table is missing ('' when it is there). */
  readonly error: string;
}

export const clusterListHeaders = ['Cluster Name', 'Broker Name', 'BID', 'Addr', 'Version', 'InTPS(LOAD)', 'OutTPS(LOAD)', 'PCWait(ms)', 'Hour', 'SPACE', 'ACTIVATED', 'Node', 'Role', 'Term'];

export function clusterListTable(rows: readonly ClusterListRow[]): string {
  return formatTable(clusterListHeaders, rows.map((r) => [
    r.clusterName, r.brokerName, r.brokerId, r.addr, r.error === '' ? r.version : `(${r.error})`,
    `${r.inTps.toFixed(2)}(0,0ms)`, `${r.outTps.toFixed(2)}(0,0ms)`, 0, r.hours.toFixed(2), '-', r.activated, r.nodeId, r.role, r.term,
  ]));
}

/** The first of RocketMQ's "r10 r60 r600" rates. */
function firstRate(tps: string | undefined): number {
  const n = Number((tps ?? '').split(' ')[0]);
  return Number.isFinite(n) ? n : 0;
}

async function runtimeOf(admin: string, timeoutMs: number): Promise<BrokerRuntimeReply> {
  const c = new BrokerAdminClient(admin, timeoutMs);
  try {
    return await c.brokerRuntime();
  } finally {
    c.close();
  }
}

export const clusterList: Command = {
  name: 'clusterList',
  summary: 'every broker node the NameServer lists, with its TPS and Raft role',
  usage: '[-c cluster]',
  options: { clusterName: { type: 'string', short: 'c' } },
  async run(values, io) {
    const groups = selectGroups(await clusterInfo(io.namesrv, io.timeoutMs), undefined, optionalString(values, 'clusterName'));
    const rows = await Promise.all(groups.flatMap((g) => g.nodes.map(async (n): Promise<ClusterListRow> => {
      let rt: BrokerRuntimeReply | null = null;
      let error = '';
      try {
        rt = await runtimeOf(n.adminAddress, io.timeoutMs);
      } catch (err) {
        error = (err as Error).message;
      }
      const boot = Number(rt?.table.bootTimestamp ?? 0);
      return {
        clusterName: g.clusterName, brokerName: g.brokerName, brokerId: n.brokerId, nodeId: n.nodeId, role: n.role, term: n.raftTerm,
        addr: `${n.v2Endpoint.host}:${n.v2Endpoint.port}`, adminAddr: n.adminAddress,
        version: rt?.table.brokerVersionDesc ?? '', inTps: firstRate(rt?.table.putTps), outTps: firstRate(rt?.table.getTransferredTps),
        hours: boot > 0 ? (Date.now() - boot) / 3_600_000 : 0, activated: rt?.table.brokerActive === 'true', error,
      };
    })));
    rows.sort((a, b) => a.clusterName.localeCompare(b.clusterName) || a.brokerName.localeCompare(b.brokerName) || a.brokerId - b.brokerId);
    emit(io, rows, () => clusterListTable(rows));
    return 0;
  },
};

export const brokerStatus: Command = {
  name: 'brokerStatus',
  summary: "a broker's runtime table (putTps, getTransferredTps, commitLogMaxOffset, ...)",
  usage: '-b broker|admin-host:port | -c cluster',
  options: { brokerAddr: { type: 'string', short: 'b' }, clusterName: { type: 'string', short: 'c' } },
  async run(values, io) {
    const broker = optionalString(values, 'brokerAddr');
    const cluster = optionalString(values, 'clusterName');
    requireBrokerOrCluster(broker, cluster, 'brokerStatus');
    const targets = await adminTargets(io.namesrv, broker, cluster, io.timeoutMs);
    const replies = await Promise.all(targets.map((t) => runtimeOf(t.admin, io.timeoutMs)));
    emit(io, replies.length === 1 ? replies[0] : replies, () => replies.map((r) => {
      const entries = Object.entries(r.table).sort(([a], [b]) => a.localeCompare(b));
      return (replies.length > 1 ? `${r.brokerName} ${r.nodeId}\n` : '') + formatKeyValues(entries);
    }).join('\n'));
    return 0;
  },
};
