// TEST ONLY: a way for tests and jepsen-lite to stall a node's main thread, as a flood of work
// or a long GC would, while its other threads (the leader beacon) go on. Installed by the node
// entries only when the process runs with LEDGERMQ_TEST_MODE=1.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { testModeEnv } from './config.ts';

/** The file in the node's data directory that says how long a stall lasts, in ms. */
export const testStallFile = 'test-stall-ms';
export const testStallMsDefault = 1_500;
/** No stall outlasts this, whatever the file says (a typo must not hang a test run). */
export const testStallMsMax = 60_000;

/**
 * In test mode, SIGUSR2 blocks the main thread (Atomics.wait) for the milliseconds written in
 * <dataDir>/test-stall-ms, 1,500 if absent. Logs "stalling the main thread" and "main thread
 * resumes" around it. Does nothing outside test mode.
 */
export function installTestStall(dataDir: string, log: Logger): void {
  if (process.env[testModeEnv] !== '1') return;
  const blocker = new Int32Array(new SharedArrayBuffer(4));
  process.on('SIGUSR2', () => {
    let ms = testStallMsDefault;
    try {
      const v = Number(readFileSync(path.join(dataDir, testStallFile), 'utf8').trim());
      if (Number.isFinite(v) && v >= 0) ms = Math.min(v, testStallMsMax);
    } catch {
      /* the default */
    }
    log.warn({ ms }, 'TEST MODE: stalling the main thread (SIGUSR2)');
    Atomics.wait(blocker, 0, 0, ms);
    log.warn({ ms }, 'TEST MODE: main thread resumes');
  });
}
