// `ledgermq start`: a Raft group of real processes on loopback, watched until Ctrl-C.

import path from 'node:path';
import { LocalGroup, nodeConstants } from '@ledgermq/raft-node';

export interface StartOptions {
  readonly nodes: number;
  readonly dataDir: string;
  readonly segmentBytes?: number;
}

export async function startCommand(opts: StartOptions): Promise<number> {
  const dataDir = path.resolve(opts.dataDir);
  const group = await LocalGroup.create({ dataDir, nodes: opts.nodes, ports: 'fixed', segmentBytes: opts.segmentBytes });
  group.startAll();
  for (const h of group.nodes) {
    h.process!.once('exit', (code, signal) => {
      if (!stopping) say(`${h.id} exited (code ${code ?? '-'}, signal ${signal ?? '-'}); see ${path.join(h.config.dataDir, 'node.log')}`);
    });
  }
  say(`raft group ${group.nodes[0]!.config.groupId}: ${group.nodes.map((h) => `${h.id} peer ${peerAddr(h.config.peers, h.id)} admin 127.0.0.1:${h.config.adminPort}`).join(', ')}`);
  say(`data under ${dataDir}; logs in <data>/<node>/node.log; Ctrl-C stops the group`);

  let stopping = false;
  let last = '';
  const timer = setInterval(() => {
    void group.statuses().then((st) => {
      const line = [...st]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([id, s]) => `${id}:${s.role}${s.disabled ? '(disabled)' : ''}`)
        .join(' ');
      const leaderStatus = [...st.values()].find((s) => s.role === 'leader');
      const summary = leaderStatus
        ? `leader ${leaderStatus.id} term ${leaderStatus.term} commit ${leaderStatus.commit}`
        : 'no leader';
      const text = `${summary} | ${line}`;
      if (text !== last) {
        last = text;
        say(text);
      }
    });
  }, nodeConstants.statusPollMs);

  await new Promise<void>((resolve) => {
    const onSignal = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  stopping = true;
  clearInterval(timer);
  say('stopping the group…');
  await group.stopAll();
  say('stopped');
  return 0;
}

function peerAddr(peers: string, id: string): string {
  return peers.split(';').find((p) => p.startsWith(`${id}-`))?.slice(id.length + 1) ?? '?';
}

function say(text: string): void {
  process.stdout.write(`${new Date().toISOString()} ${text}\n`);
}
