// Process entry of one broker node: `ledgermq broker -c broker-n0.conf`
// (or `node --import tsx packages/broker/src/main.ts -c broker-n0.conf`).

import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pino from 'pino';
import pretty from 'pino-pretty';
import { installTestStall } from '@ledgermq/raft-node';
import { BrokerNode } from './broker-node.ts';
import { loadBrokerConfig } from './config/broker-config.ts';

const usage = 'usage: broker -c <broker.conf>';

async function main(): Promise<void> {
  let values: { config?: string };
  try {
    ({ values } = parseArgs({ options: { config: { type: 'string', short: 'c' } } }));
  } catch (err) {
    process.stderr.write(`broker: ${(err as Error).message}\n${usage}\n`);
    process.exit(2);
  }
  if (!values.config) {
    process.stderr.write(`${usage}\n`);
    process.exit(2);
  }
  // JSON lines for files and log collectors; readable lines when a person runs it in a terminal.
  const logOpts = { base: { pid: process.pid } };
  const logger = process.stdout.isTTY ? pino(logOpts, pretty({ colorize: true })) : pino(logOpts);
  const cfg = loadBrokerConfig(values.config, (msg) => logger.warn(msg));
  const log = logger.child({ broker: cfg.brokerName, node: cfg.node.selfId });
  mkdirSync(cfg.node.dataDir, { recursive: true });
  const broker = await BrokerNode.start(cfg, log);
  installTestStall(cfg.node.dataDir, log);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    broker.stop().then(
      () => process.exit(0),
      (err: Error) => {
        log.error({ err }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: Error) => {
  process.stderr.write(`broker: ${err.name}: ${err.message}\n`);
  process.exit(1);
});
