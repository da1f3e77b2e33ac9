// One admin command: its flags, its usage line, and what it does with the parsed values.

import type { OptionSpec, Values } from './command-args.ts';

export interface CommandIo {
  out(text: string): void;
  /** Notes beside the result (a node that did not answer): stderr, so stdout stays parseable. */
  warn(text: string): void;
  /** Whether a progress bar may be drawn (stdout and stderr are terminals, no --json). */
  readonly interactive: boolean;
  /** Deadline of each remote call, ms. */
  readonly timeoutMs: number;
  readonly json: boolean;
  readonly namesrv: string;
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Flags after the command name (-n and --json are common to all). */
  readonly usage: string;
  readonly options: OptionSpec;
  run(values: Values, io: CommandIo): Promise<number>;
}

/** Prints `value` as JSON (for --json) or the text. */
export function emit(io: CommandIo, value: unknown, text: () => string): void {
  io.out(io.json ? `${JSON.stringify(value, null, 2)}\n` : text());
}
