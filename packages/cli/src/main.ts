#!/usr/bin/env node
// `ledgermq` command line. Errors are one readable line and a non-zero exit.

import { parseArgs } from 'node:util';
import { startCommand } from './start-command.ts';

const usage = `usage: ledgermq <command> [options]

commands:
  start [--nodes 3] [--data ./data] [--segment-bytes N]
      run a three-node Raft group on loopback (real processes); Ctrl-C stops it
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start': {
      const { values } = parseArgs({
        args: rest,
        options: {
          nodes: { type: 'string', default: '3' },
          data: { type: 'string', default: './data' },
          'segment-bytes': { type: 'string' },
        },
      });
      return startCommand({
        nodes: positiveInt('--nodes', values.nodes!),
        dataDir: values.data!,
        segmentBytes: values['segment-bytes'] === undefined ? undefined : positiveInt('--segment-bytes', values['segment-bytes']),
      });
    }
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(usage);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

class UsageError extends Error {}

function positiveInt(flag: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`${flag} must be a positive integer, got "${raw}"`);
  return n;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: Error) => {
    process.stderr.write(`ledgermq: ${err.message}\n`);
    if (err instanceof UsageError) process.stderr.write(usage);
    process.exitCode = err instanceof UsageError ? 2 : 1;
  },
);
