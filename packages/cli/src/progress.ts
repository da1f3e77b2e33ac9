// A progress bar for long admin commands (sendMessage --count, consumeMessage -c), drawn with
// cli-progress on stderr, and only when a person is watching: stdout and stderr are terminals
// and --json is off. Otherwise every call is a no-op, so piped output stays exactly the table
// or JSON a script parses.

import cliProgress from 'cli-progress';

/** Redraws per second: enough to look live, few enough to cost nothing. */
export const progressFps = 10;

export interface Progress {
  /** `n` more done (of the total). */
  tick(n?: number): void;
  /** Removes the bar (call before printing the result). */
  stop(): void;
}

export function progressWanted(s: { stdoutTty: boolean; stderrTty: boolean; json: boolean }): boolean {
  return s.stdoutTty && s.stderrTty && !s.json;
}

const none: Progress = { tick() {}, stop() {} };

/**
 * A bar of `total` steps labelled `label`, on `stream` (stderr by default), or a no-op when
 * `enabled` is false.
 */
export function progressBar(label: string, total: number, enabled: boolean, stream: NodeJS.WritableStream = process.stderr): Progress {
  if (!enabled || total <= 1) return none;
  const bar = new cliProgress.SingleBar({
    format: `${label} [{bar}] {percentage}% | {value}/{total} | {rate}/s | ETA {eta_formatted}`,
    stream,
    fps: progressFps,
    clearOnComplete: true,
    hideCursor: true,
    etaBuffer: 50,
  }, cliProgress.Presets.shades_classic);
  const startedMs = Date.now();
  let done = 0;
  bar.start(total, 0, { rate: '0' });
  return {
    tick(n = 1) {
      done += n;
      const seconds = Math.max(0.001, (Date.now() - startedMs) / 1000);
      bar.update(done, { rate: (done / seconds).toFixed(0) });
    },
    stop() {
      bar.stop();
    },
  };
}
