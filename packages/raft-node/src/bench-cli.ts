// Command lines of the `npm run bench…` scripts: every flag declared, --help, and a readable
// message (not a stack trace) for a flag that is unknown, misspelt or out of range.

import { parseArgs } from 'node:util';

/** A bench was started with flags it cannot run with: say which and how to call it. */
export class BenchUsageError extends Error {
  override readonly name = 'BenchUsageError';
}

export type BenchFlag =
  | { readonly kind: 'string'; readonly default?: string }
  /** A whole number >= min (min defaults to 1); without a default, undefined when not given. */
  | { readonly kind: 'integer'; readonly default?: number; readonly min?: number }
  | { readonly kind: 'boolean' };

type FlagValue<F extends BenchFlag> = F extends { kind: 'boolean' }
  ? boolean
  : F extends { kind: 'integer' }
    ? F extends { default: number } ? number : number | undefined
    : F extends { default: string } ? string : string | undefined;
export type BenchArgs<S extends Record<string, BenchFlag>> = { -readonly [K in keyof S]: FlagValue<S[K]> };

export interface BenchCommand<S extends Record<string, BenchFlag>> {
  /** The npm script, e.g. "bench:floor". */
  readonly name: string;
  /** One line per flag, shown by --help and after a usage error. */
  readonly usage: string;
  readonly flags: S;
}

export function usageText(cmd: BenchCommand<Record<string, BenchFlag>>): string {
  return `usage: npm run ${cmd.name} [-- flags]\n${cmd.usage}`;
}

/** Parses `argv` (no --help here: runBench answers it). Throws BenchUsageError. */
export function parseBenchArgs<S extends Record<string, BenchFlag>>(cmd: BenchCommand<S>, argv: readonly string[]): BenchArgs<S> {
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const [k, f] of Object.entries(cmd.flags)) options[k] = { type: f.kind === 'boolean' ? 'boolean' : 'string' };
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }));
  } catch (err) {
    // node:util's own message names the flag ("Unknown option '--secs'", "…argument missing").
    throw new BenchUsageError((err as Error).message);
  }
  const out: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(cmd.flags)) {
    const v = values[k];
    if (f.kind === 'boolean') out[k] = v === true;
    else if (f.kind === 'string') out[k] = v ?? f.default;
    else out[k] = v === undefined ? f.default : integerFlag(k, String(v), f.min ?? 1);
  }
  return out as BenchArgs<S>;
}

function integerFlag(name: string, text: string, min: number): number {
  const n = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw new BenchUsageError(`--${name} must be a whole number of at least ${min}, got "${text}"`);
  }
  return n;
}

/**
 * Runs a bench's main with its flags: --help prints the usage (exit 0); a usage error prints the
 * message and the usage (exit 2); any other failure prints its stack (exit 1). Exits 0 once main
 * resolves (clients such as the official one keep timers after shutdown).
 */
export function runBench<S extends Record<string, BenchFlag>>(cmd: BenchCommand<S>, main: (args: BenchArgs<S>) => Promise<void>): void {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${usageText(cmd)}\n`);
    process.exit(0);
  }
  let args: BenchArgs<S>;
  try {
    args = parseBenchArgs(cmd, argv);
  } catch (err) {
    exitWith(cmd, err);
  }
  main(args).then(() => process.exit(0), (err: unknown) => exitWith(cmd, err));
}

function exitWith(cmd: BenchCommand<Record<string, BenchFlag>>, err: unknown): never {
  if (err instanceof BenchUsageError) {
    process.stderr.write(`${cmd.name}: ${err.message}\n${usageText(cmd)}\n`);
    process.exit(2);
  }
  process.stderr.write(`${cmd.name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
}
