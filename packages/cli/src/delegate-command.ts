// `ledgermq namesrv …` and `ledgermq broker -c <file>`: run the NameServer's or the broker
// node's own process entry as a child (each entry reads its own command line and owns its own
// shutdown), with this terminal's stdio. SIGINT / SIGTERM are passed on; the exit code is the
// child's. One extra process, but no entry has to be written as an importable function.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { NamesrvConfigError, parseNamesrvArgs } from '@ledgermq/namesrv';
import { brokerMainPath, namesrvMainPath } from '@ledgermq/broker/local';
import { UsageError, usageErrorOf } from './usage-error.ts';

export function namesrvCommand(argv: readonly string[]): Promise<number> {
  // Checked here first, so a bad flag is the CLI's one line (the NameServer would add its usage).
  try {
    parseNamesrvArgs(argv);
  } catch (err) {
    if (err instanceof NamesrvConfigError) throw new UsageError(`namesrv: ${err.message}`);
    throw err;
  }
  return runEntry('namesrv', namesrvMainPath, argv);
}

export function brokerCommand(argv: readonly string[]): Promise<number> {
  let values: { config?: string };
  try {
    ({ values } = parseArgs({ args: [...argv], strict: true, allowPositionals: false, options: { config: { type: 'string', short: 'c' } } }));
  } catch (err) {
    throw usageErrorOf(err);
  }
  if (values.config === undefined || values.config === '') throw new UsageError('broker needs -c <broker.conf>');
  if (!existsSync(values.config)) throw new UsageError(`broker: config file ${values.config} does not exist`);
  if (!existsSync(brokerMainPath)) {
    throw new Error(`the broker node is not in this checkout yet (${brokerMainPath} is missing); \`ledgermq start --raft-only\` runs a bare Raft group`);
  }
  return runEntry('broker', brokerMainPath, ['-c', values.config]);
}

function runEntry(name: string, entry: string, args: readonly string[]): Promise<number> {
  if (!existsSync(entry)) return Promise.reject(new Error(`${name}: entry ${entry} is missing`));
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], { stdio: 'inherit', env: process.env });
  const forward = (signal: NodeJS.Signals) => () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  const onInt = forward('SIGINT');
  const onTerm = forward('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return new Promise((resolve, reject) => {
    child.once('error', (err) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      reject(new Error(`${name}: cannot start ${entry}: ${err.message}`));
    });
    child.once('exit', (code, signal) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      // A child ended by a signal: the shell convention 128 + signal number.
      resolve(code ?? (signal === 'SIGKILL' ? 137 : signal === 'SIGTERM' ? 143 : signal === 'SIGINT' ? 130 : 1));
    });
  });
}
