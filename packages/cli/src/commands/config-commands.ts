// getBrokerConfig, updateBrokerConfig, wipeWritePerm, addWritePerm.

import { UsageError } from '../usage-error.ts';
import { optionalString, required } from './command-args.ts';
import { emit, type Command } from './command.ts';
import { adminTargets, clusterInfo, requireBrokerOrCluster, selectGroups } from './cluster-view.ts';
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
    const admins = broker !== undefined && /:\d+$/.test(broker)
      ? [broker]
      : selectGroups(await clusterInfo(io.namesrv, io.timeoutMs), broker, cluster).flatMap((g) => g.nodes.map((n) => n.adminAddress));
    const replies = await Promise.all(admins.map((a) => withAdmin(a, io.timeoutMs, (c) => c.getBrokerConfig())));
    emit(io, replies, () => replies.map((r) => `============${r.brokerName} ${r.nodeId}============\n${formatKeyValues(Object.entries(r.config).sort(([a], [b]) => a.localeCompare(b)), 50, '=  ')}`).join('\n'));
    return 0;
  },
};

export const updateBrokerConfig: Command = {
  name: 'updateBrokerConfig',
  summary: 'changes one broker config key (keys read only at start are refused, saying so)',
  usage: '(-b broker | -c cluster) -k key -v value',
  options: { ...brokerOrCluster, key: { type: 'string', short: 'k' }, value: { type: 'string', short: 'v' } },
  async run(values, io) {
    const key = required(values, 'key', '-k key', 'updateBrokerConfig');
    const value = values.value;
    if (typeof value !== 'string') throw new UsageError('updateBrokerConfig needs -v value');
    const broker = optionalString(values, 'brokerAddr');
    const cluster = optionalString(values, 'clusterName');
    requireBrokerOrCluster(broker, cluster, 'updateBrokerConfig');
    const targets = await adminTargets(io.namesrv, broker, cluster, io.timeoutMs);
    await Promise.all(targets.map((t) => withAdmin(t.admin, io.timeoutMs, (c) => c.updateBrokerConfig({ [key]: value }))));
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
