// Process entry of one Raft node: `tsx packages/raft-node/src/main.ts -c node.conf`.

import { parseArgs } from 'node:util';
import { mkdirSync } from 'node:fs';
import pino from 'pino';
import pretty from 'pino-pretty';
import { AdminServer } from './admin/admin-server.ts';
import { loadConfigFile } from './config.ts';
import { DigestStateMachine } from './digest-state-machine.ts';
import { RaftNode } from './raft-node.ts';
import { installTestStall } from './test-stall.ts';
import { parsePeers } from '@ledgermq/transport';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { config: { type: 'string', short: 'c' } } });
  if (!values.config) {
    process.stderr.write('usage: raft-node -c <node.conf>\n');
    process.exit(2);
  }
  // JSON lines for files and log collectors; readable lines when a person runs it in a terminal.
  const logOpts = { base: { pid: process.pid } };
  const logger = process.stdout.isTTY ? pino(logOpts, pretty({ colorize: true })) : pino(logOpts);
  const cfg = loadConfigFile(values.config, (msg) => logger.warn(msg));
  const log = logger.child({ node: cfg.selfId });
  mkdirSync(cfg.dataDir, { recursive: true });
  const sm = new DigestStateMachine(cfg.dataDir, [...parsePeers(cfg.peers).keys()].sort());
  const node = new RaftNode(cfg, { logger: log, stateMachine: sm });
  await node.start();
  const admin = new AdminServer(node, log.child({ component: 'admin' }));
  const port = await admin.listen(cfg.adminHost, cfg.adminPort);
  log.info({ adminPort: port }, 'admin endpoint listening');

  installTestStall(cfg.dataDir, log);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    void Promise.all([admin.close(), node.stop()]).then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: Error) => {
  process.stderr.write(`raft-node: ${err.name}: ${err.message}\n`);
  process.exit(1);
});
