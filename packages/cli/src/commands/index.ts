// The admin commands by name (mqadmin's names), and how main.ts runs one.

import { progressWanted } from '../progress.ts';
import { positiveInt } from '../usage-error.ts';
import { namesrvOf, parseCommandArgs } from './command-args.ts';
import type { Command } from './command.ts';
import { brokerStatus, clusterList } from './cluster-commands.ts';
import { addWritePerm, getBrokerConfig, updateBrokerConfig, wipeWritePerm } from './config-commands.ts';
import { consumeMessage, sendMessage } from './client-commands.ts';
import { consumerConnection, producerConnection } from './connection-commands.ts';
import { exportMessage } from './export-command.ts';
import { consumerProgress, deleteSubGroup, resetOffsetByTime, updateSubGroup } from './group-commands.ts';
import { queryMsgById, queryMsgByKey, queryMsgByOffset } from './message-commands.ts';
import { raftMembership, raftStatus, transferLeader } from './raft-commands.ts';
import { statsAll } from './stats-commands.ts';
import { deleteTopic, topicList, topicRoute, topicStatus, updateTopic } from './topic-commands.ts';

export const adminCommands: readonly Command[] = [
  clusterList, brokerStatus, topicList, topicRoute, topicStatus, updateTopic, deleteTopic, updateSubGroup, deleteSubGroup,
  consumerProgress, consumerConnection, producerConnection, resetOffsetByTime, queryMsgById, queryMsgByKey, queryMsgByOffset, exportMessage, sendMessage, consumeMessage,
  getBrokerConfig, updateBrokerConfig, wipeWritePerm, addWritePerm, statsAll, raftStatus, transferLeader, raftMembership,
];

export const adminTimeoutMsDefault = 5_000;

export function findCommand(name: string): Command | undefined {
  return adminCommands.find((c) => c.name === name);
}

export function adminUsage(): string {
  return adminCommands.map((c) => `  ${c.name} [-n namesrv] ${c.usage} [--json]\n      ${c.summary}\n`).join('');
}

export async function runAdminCommand(
  cmd: Command, argv: readonly string[],
  out: (s: string) => void = (s) => process.stdout.write(s),
  warn: (s: string) => void = (s) => process.stderr.write(s),
): Promise<number> {
  const values = parseCommandArgs(cmd.name, argv, cmd.options);
  if (values.help === true) {
    out(`usage: ledgermq ${cmd.name} [-n namesrv] ${cmd.usage} [--json]\n  ${cmd.summary}\n`);
    return 0;
  }
  const timeoutMs = values['timeout-ms'] === undefined ? adminTimeoutMsDefault : positiveInt('--timeout-ms', String(values['timeout-ms']), 600_000);
  const json = values.json === true;
  const interactive = progressWanted({ stdoutTty: process.stdout.isTTY === true, stderrTty: process.stderr.isTTY === true, json });
  return cmd.run(values, { out, warn, interactive, timeoutMs, json, namesrv: namesrvOf(values) });
}
