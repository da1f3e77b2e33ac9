// Command line of the NameServer process -> NamesrvConfig. Errors are NamesrvConfigError with a
// message meant for an operator.

import { parseArgs } from 'node:util';
import { durationMsMax, durationMsMin, brokerExpireMsDefault, hostDefault, portDefault, scanIntervalMsDefault } from './constants.ts';
import { NamesrvConfigError } from './errors.ts';

export interface NamesrvConfig {
  readonly host: string;
  /** 0 picks a free port (the bound one is logged). */
  readonly port: number;
  readonly expireMs: number;
  readonly scanIntervalMs: number;
  readonly logLevel: string;
}

export const usage = `usage: namesrv [options]
      --host <addr>            address to bind (default ${hostDefault})
  -p, --port <port>            port to listen on, 0 for any free one (default ${portDefault})
      --expire-ms <ms>         drop a broker node not heard from for this long (default ${brokerExpireMsDefault})
      --scan-interval-ms <ms>  how often expired nodes are removed (default ${scanIntervalMsDefault})
      --log-level <level>      trace, debug, info, warn, error (default info)
      --help                   show this help
`;

const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export type ParsedArgs = { readonly help: true } | { readonly help: false; readonly config: NamesrvConfig };

export function parseNamesrvArgs(argv: readonly string[]): ParsedArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: 'string' },
        port: { type: 'string', short: 'p' },
        'expire-ms': { type: 'string' },
        'scan-interval-ms': { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (cause) {
    throw new NamesrvConfigError((cause as Error).message, { cause });
  }
  if (values['help'] === true) return { help: true };
  const host = (values['host'] as string | undefined) ?? hostDefault;
  if (host.trim() === '') throw new NamesrvConfigError('--host must not be empty');
  const port = integer(values['port'] as string | undefined, '--port', portDefault, 0, 65_535);
  const expireMs = integer(values['expire-ms'] as string | undefined, '--expire-ms', brokerExpireMsDefault, durationMsMin, durationMsMax);
  const scanIntervalMs = integer(values['scan-interval-ms'] as string | undefined, '--scan-interval-ms', scanIntervalMsDefault, durationMsMin, durationMsMax);
  const logLevel = (values['log-level'] as string | undefined) ?? 'info';
  if (!logLevels.includes(logLevel)) throw new NamesrvConfigError(`--log-level must be one of ${logLevels.join(', ')}, got "${logLevel}"`);
  return { help: false, config: { host, port, expireMs, scanIntervalMs, logLevel } };
}

function integer(text: string | undefined, flag: string, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text.trim())) throw new NamesrvConfigError(`${flag} must be a whole number, got "${text}"`);
  const n = Number(text.trim());
  if (n < min || n > max) throw new NamesrvConfigError(`${flag} must be in ${min}..${max}, got ${n}`);
  return n;
}
