// Process entry of a NameServer: `tsx packages/namesrv/src/main.ts --port 9876`.
// Logs JSON lines with pino on stdout; the "namesrv listening" line carries the bound port.
// SIGTERM / SIGINT stop it cleanly (exit code 0).

import pino from 'pino';
import pretty from 'pino-pretty';
import { parseNamesrvArgs, usage, type ParsedArgs } from './config.ts';
import { NamesrvConfigError } from './errors.ts';
import { NamesrvServer } from './namesrv-server.ts';

async function main(): Promise<void> {
  let parsed: ParsedArgs;
  try {
    parsed = parseNamesrvArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof NamesrvConfigError) {
      process.stderr.write(`namesrv: ${err.message}\n${usage}`);
      process.exit(2);
    }
    throw err;
  }
  if (parsed.help) {
    process.stdout.write(usage);
    return;
  }
  const cfg = parsed.config;
  // JSON lines for files and log collectors; readable lines when a person runs it in a terminal.
  const logOpts = { level: cfg.logLevel, base: { pid: process.pid, component: 'namesrv' } };
  const log = process.stdout.isTTY ? pino(logOpts, pretty({ colorize: true })) : pino(logOpts);
  const server = new NamesrvServer({ expireMs: cfg.expireMs, scanIntervalMs: cfg.scanIntervalMs, logger: log });
  let port: number;
  try {
    port = await server.listen(cfg.host, cfg.port);
  } catch (err) {
    process.stderr.write(`namesrv: cannot listen on ${cfg.host}:${cfg.port}: ${(err as Error).message}\n`);
    process.exit(1);
  }
  log.info({ host: cfg.host, port, expireMs: cfg.expireMs, scanIntervalMs: cfg.scanIntervalMs }, 'namesrv listening');

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'namesrv stopping');
    void server.close().then(
      () => {
        log.info({}, 'namesrv stopped');
        log.flush();
        process.exit(0);
      },
      (err: Error) => {
        log.error({ err }, 'namesrv shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: Error) => {
  process.stderr.write(`namesrv: ${err.name}: ${err.message}\n`);
  process.exit(1);
});
