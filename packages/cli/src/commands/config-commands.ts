// getBrokerConfig, updateBrokerConfig, wipeWritePerm, addWritePerm.

import { liveConfigKeys } from '../broker-admin.ts';
import { UsageError } from '../usage-error.ts';
import { optionalString, required } from './command-args.ts';
import { emit, type Command } from './command.ts';
import { adminTargets, nodeAdminTargets, requireBrokerOrCluster, settleOnEveryNode } from './cluster-view.ts';
import { formatKeyValues } from './table.ts';
import { withAdmin } from './topic-commands.ts';

const brokerOrCluster = { brokerAddr: { type: 'string', short: 'b' }, clusterName: { type: 'string', short: 'c' } } as const;

export const getBrokerConfig: Command = {
  name: 'getBrokerConfig',
  summary: "a broker node's configuration (-b broker name: every node of the group; -b admin host:port: that node)",
  usage: '(-b broker | -c cluster)',
  options: { ...brokerOrCluster },
  async run(values, io) {
    const broker = optionalString(values, 'brokerAddr');
    const cluster = optionalString(values, 'clusterName');
    requireBrokerOrCluster(broker, cluster, 'getBrokerConfig');
    const targets = await nodeAdminTargets(io.namesrv, broker, cluster, io.timeoutMs);
    const replies = await Promise.all(targets.map((t) => withAdmin(t.admin, io.timeoutMs, (c) => c.getBrokerConfig())));
    emit(io, replies, () => replies.map((r) => `============${r.brokerName} ${r.nodeId}============\n${formatKeyValues(Object.entries(r.config).sort(([a], [b]) => a.localeCompare(b)), 50, '=  ')}`).join('\n'));
    return 0;
  },
};

export const updateBrokerConfig: Command = {
  name: 'updateBrokerConfig',
  summary: `changes a broker config key on every node of the group, at once and until restart (${Object.keys(liveConfigKeys).join(', ')}); keys read only at start are refused, named`,
  usage: '(-b broker | -c cluster) -k key -v value',
  options: { ...brokerOrCluster, key: { type: 'string', short: 'k' }, value: { type: 'string', short: 'v' } },
  async run(values, io) {
    const key = required(values, 'key', '-k key', 'updateBrokerConfig');
    const value = values.value;
    if (typeof value !== 'string') throw new UsageError('updateBrokerConfig needs -v value');
    const broker = optionalString(values, 'brokerAddr');
    const cluster = optionalString(values, 'clusterName');
    requireBrokerOrCluster(broker, cluster, 'updateBrokerConfig');
    // Each node keeps its own config (it is not in the Raft log): every node of the group is told,
    // so a later leader behaves the same.
    const targets = await nodeAdminTargets(io.namesrv, broker, cluster, io.timeoutMs);
    const { values: done, failures } = await settleOnEveryNode(targets, (admin) => withAdmin(admin, io.timeoutMs, (c) => c.updateBrokerConfig({ [key]: value })));
    const replies = done.map((d) => d.value);
    if (failures.length > 0) {
      const applied = replies.map((r) => `${r.brokerName} ${r.nodeId}`).join(', ');
      throw new Error(`updateBrokerConfig ${key}: ${failures.join('; ')}${applied === '' ? '' : ` (applied on ${applied})`}`);
    }
    emit(io, replies, () => replies.map((r) => `update broker config success, ${r.brokerName} ${r.nodeId}: ${Object.entries(r.applied).map(([k, v]) => `${k}=${v}`).join(' ')} (in force until the node restarts: put it in broker.conf to keep it)\n`).join(''));
    return 0;
  },
};

function permCommand(name: 'wipeWritePerm' | 'addWritePerm'): Command {
  const wipe = name === 'wipeWritePerm';
  return {
    name,
    summary: wipe ? 'stops writes to every user topic of a broker group (through the Raft log)' : 'restores write permission on every user topic of a broker group',
    usage: '-b broker [-c cluster]',
    options: { ...brokerOrCluster },
    async run(values, io) {
      const broker = required(values, 'brokerAddr', '-b broker', name);
      const targets = await adminTargets(io.namesrv, broker, optionalString(values, 'clusterName'), io.timeoutMs);
      const replies = await Promise.all(targets.map((t) => withAdmin(t.admin, io.timeoutMs, (c) => (wipe ? c.wipeWritePerm() : c.addWritePerm()))));
      emit(io, replies, () => replies.map((r) => `${wipe ? 'wipe' : 'add'} write perm of broker[${r.brokerName}] in name server[${io.namesrv}] OK, ${r.topicsChanged} topic(s) changed\n`).join(''));
      return 0;
    },
  };
}

export const wipeWritePerm = permCommand('wipeWritePerm');
export const addWritePerm = permCommand('addWritePerm');
