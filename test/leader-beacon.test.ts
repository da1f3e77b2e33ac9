// Black-box: a leader whose main thread stalls for longer than an election timeout keeps its
// leadership while its beacon thread vouches for it, loses it without the beacon, and loses it
// when the stall outlasts what the beacon vouches for (beaconStallMaxMs). Real node processes;
// the stall is the test-mode SIGUSR2 hook of the node's main (Atomics.wait on the main thread).

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalGroup, testStallFile } from '@ledgermq/raft-node';
import { tmpDir } from './support/tmp-dir.ts';
import { waitFor } from './support/wait.ts';

/** Over the longest randomized election timeout (10 ticks x 50 ms, up to twice that). */
const shortStallMs = 1_600;
/** Over beaconStallMaxMs (2 s) plus the longest election timeout (1 s). */
const longStallMs = 4_500;

async function groupOf(name: string, leaderBeacon: boolean): Promise<{ group: LocalGroup; cleanup: () => void }> {
  const t = tmpDir(name);
  const group = await LocalGroup.create({ dataDir: t.dir, ports: 'auto', segmentBytes: 1024 * 1024, leaderBeacon });
  group.startAll();
  return { group, cleanup: t.cleanup };
}

/** Stalls `id`'s main thread for `ms` and resolves once it has run again (its log says so). */
async function stall(group: LocalGroup, id: string, ms: number): Promise<void> {
  const { dataDir } = group.node(id).config;
  writeFileSync(path.join(dataDir, testStallFile), String(ms));
  const logFile = path.join(dataDir, 'node.log');
  const resumesBefore = resumes(logFile);
  group.node(id).process!.kill('SIGUSR2');
  await waitFor(`${id} to resume after its stall`, async () => resumes(logFile) > resumesBefore, ms + 20_000);
}

function resumes(logFile: string): number {
  if (!existsSync(logFile)) return 0;
  return readFileSync(logFile, 'utf8').split('\n').filter((l) => l.includes('main thread resumes')).length;
}

/** Every running node's [leader, term], once all three answer. */
async function views(group: LocalGroup): Promise<[string | null, number][]> {
  return waitFor('all three nodes to answer', async () => {
    const st = await group.statuses();
    return st.size === 3 ? [...st.values()].map((s) => [s.leader as string | null, s.term as number]) : null;
  });
}

describe('leader beacon (three node processes)', () => {
  const previousTestMode = process.env.LEDGERMQ_TEST_MODE;
  let on: { group: LocalGroup; cleanup: () => void };
  let off: { group: LocalGroup; cleanup: () => void };

  beforeAll(async () => {
    process.env.LEDGERMQ_TEST_MODE = '1';
    [on, off] = await Promise.all([groupOf('beacon-on', true), groupOf('beacon-off', false)]);
  });

  afterAll(async () => {
    if (previousTestMode === undefined) delete process.env.LEDGERMQ_TEST_MODE;
    else process.env.LEDGERMQ_TEST_MODE = previousTestMode;
    await Promise.all([on?.group.stopAll(), off?.group.stopAll()]);
    on?.cleanup();
    off?.cleanup();
  });

  it(`with the beacon, a ${shortStallMs} ms stall of the leader's main thread costs it nothing`, async () => {
    const before = await on.group.waitForLeader();
    await stall(on.group, before.id, shortStallMs);
    expect(await views(on.group)).toEqual([[before.id, before.term], [before.id, before.term], [before.id, before.term]]);
  });

  it('without it, the same stall gets the leader deposed (the check above can fail)', async () => {
    const before = await off.group.waitForLeader();
    await stall(off.group, before.id, shortStallMs);
    const after = await off.group.waitForLeader({ minTerm: before.term + 1 });
    expect(after.term).toBeGreaterThan(before.term);
  });

  it(`with the beacon, a ${longStallMs} ms stall (a wedged loop) still gets the leader deposed`, async () => {
    const before = await on.group.waitForLeader();
    await stall(on.group, before.id, longStallMs);
    const after = await on.group.waitForLeader({ minTerm: before.term + 1 });
    expect(after.term).toBeGreaterThan(before.term);
  });
});
