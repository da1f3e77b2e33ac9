// The progress bar is drawn only for a person at a terminal, and draws there.

import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { progressBar, progressWanted } from './progress.ts';

describe('progress bar', () => {
  it('is wanted only when stdout and stderr are terminals and --json is off', () => {
    expect(progressWanted({ stdoutTty: true, stderrTty: true, json: false })).toBe(true);
    expect(progressWanted({ stdoutTty: false, stderrTty: true, json: false })).toBe(false);
    expect(progressWanted({ stdoutTty: true, stderrTty: false, json: false })).toBe(false);
    expect(progressWanted({ stdoutTty: true, stderrTty: true, json: true })).toBe(false);
  });

  it('draws the label, count and total on a terminal stream, and nothing when disabled', () => {
    const tty = Object.assign(new PassThrough(), { isTTY: true, columns: 120 });
    let drawn = '';
    tty.on('data', (c: Buffer) => (drawn += c.toString('utf8')));
    const bar = progressBar('exportMessage', 3, true, tty);
    bar.tick(3);
    bar.stop();
    expect(drawn).toMatch(/exportMessage \[/);
    expect(drawn).toMatch(/\d+\/3/);

    const quiet = new PassThrough();
    let written = '';
    quiet.on('data', (c: Buffer) => (written += c.toString('utf8')));
    const none = progressBar('exportMessage', 3, false, quiet);
    none.tick();
    none.stop();
    expect(written).toBe('');
  });
});
