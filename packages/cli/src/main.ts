#!/usr/bin/env node
// `ledgermq` command line. A mistake on the command line is one readable line and exit code 2;
// any other failure is one line and exit code 1. Never a stack trace.

import { brokerCommand, namesrvCommand } from './delegate-command.ts';
import { healthCommand } from './health-command.ts';
import { parseStartArgs, startCommand, startUsage } from './start-command.ts';
import { UsageError } from './usage-error.ts';

const usage = (adminUsage: string) => `usage: ledgermq <command> [options]

commands:
  ${startUsage}
  namesrv [--host 0.0.0.0] [--port 9876] [--expire-ms N] [--scan-interval-ms N] [--log-level L]
      run one NameServer in the foreground
  broker -c <broker.conf>
      run one broker node (one Raft member of a broker group) in the foreground
  health --admin <host:port> | --namesrv <host:port> [--timeout-ms 3000]
      exit 0 when the broker node's admin Status answers and the node is not disabled
      (or the NameServer answers); the container health / readiness probe
  help
      this text

admin commands (mqadmin's names and flags; -n defaults to $NAMESRV_ADDR or 127.0.0.1:9876):
${adminUsage}`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return startCommand(parseStartArgs(rest));
    case 'namesrv':
      return namesrvCommand(rest);
    case 'broker':
      return brokerCommand(rest);
    case 'health':
      return healthCommand(rest);
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(usage((await import('./commands/index.ts')).adminUsage()));
      return 0;
    case undefined:
      process.stderr.write(usage((await import('./commands/index.ts')).adminUsage()));
      return 2;
    default: {
      // Loaded only for admin commands: the broker node's own commands start faster without it.
      const { findCommand, runAdminCommand } = await import('./commands/index.ts');
      const admin = findCommand(command);
      if (admin !== undefined) return runAdminCommand(admin, rest);
      throw new UsageError(`unknown command "${command}"`);
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const usageError = err instanceof UsageError;
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`ledgermq: ${message}${usageError ? ' (ledgermq help lists the commands and flags)' : ''}\n`);
    process.exitCode = usageError ? 2 : 1;
  },
);
