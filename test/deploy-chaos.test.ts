// The operators' chaos scripts (deploy/chaos/): each is valid bash, is named after and declares
// exactly one fault of the jepsen-lite runner's vocabulary, and refuses to run (exit 3, a clear
// message) where docker compose is missing. Docker is not available on this machine, so the
// scripts themselves are not run against a compose group here; their send-gap client is, against
// a real local broker group.

import { spawnSync } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalCluster } from '@ledgermq/broker/local';
import { implementedFaults } from '../jepsen-lite/src/cluster/faults.ts';
import { measureSendGap } from '../deploy/chaos/send-gap.ts';
import { tmpDir } from './support/tmp-dir.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const chaosDir = path.join(repoRoot, 'deploy', 'chaos');
const scripts = readdirSync(chaosDir).filter((f) => f.endsWith('.sh') && f !== 'lib.sh').sort();

function faultOf(file: string): string[] {
  return [...readFileSync(path.join(chaosDir, file), 'utf8').matchAll(/^FAULT=([a-z-]+)$/gm)].map((m) => m[1]!);
}

describe('deploy/chaos scripts', () => {
  it('there is one script per compose-level fault, and lib.sh', () => {
    expect(scripts).toEqual(['kill-all.sh', 'kill-leader.sh', 'kill-minority.sh', 'kill.sh', 'partition-leader.sh', 'pause-leader.sh', 'pause.sh']);
    expect(readdirSync(chaosDir)).toContain('lib.sh');
  });

  for (const file of [...scripts, 'lib.sh']) {
    it(`${file}: bash -n accepts it`, () => {
      const r = spawnSync('bash', ['-n', path.join(chaosDir, file)], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    });
  }

  for (const file of scripts) {
    it(`${file}: names one fault of the runner's vocabulary, its own name; executable; uses lib.sh`, () => {
      const faults = faultOf(file);
      expect(faults).toHaveLength(1);
      expect(implementedFaults as readonly string[]).toContain(faults[0]);
      expect(file).toBe(`${faults[0]}.sh`);
      expect(statSync(path.join(chaosDir, file)).mode & 0o111).not.toBe(0);
      const text = readFileSync(path.join(chaosDir, file), 'utf8');
      expect(text.startsWith('#!/usr/bin/env bash\n')).toBe(true);
      for (const fn of ['pick_targets()', 'inject()', 'heal()']) expect(text).toContain(fn);
      expect(text).toMatch(/source "\$\(dirname "\$0"\)\/lib\.sh"/);
      expect(text.trimEnd().endsWith('chaos_run')).toBe(true);
    });
  }

  it('without docker compose a script stops at once with exit 3 and says why', () => {
    const { dir, cleanup } = tmpDir('chaos-path');
    try {
      // A docker whose every command fails, ahead of any real one on PATH.
      const fake = path.join(dir, 'docker');
      writeFileSync(fake, '#!/bin/sh\nexit 1\n');
      chmodSync(fake, 0o755);
      const r = spawnSync('bash', [path.join(chaosDir, 'kill-leader.sh')], { encoding: 'utf8', env: { ...process.env, PATH: `${dir}:/usr/bin:/bin` }, timeout: 20_000 });
      expect(r.status).toBe(3);
      expect(r.stderr).toContain('the docker compose plugin is missing');
      const none = spawnSync('bash', [path.join(chaosDir, 'pause.sh')], { encoding: 'utf8', env: { ...process.env, PATH: '/nonexistent' }, timeout: 20_000 });
      expect(none.status).not.toBe(0);
    } finally {
      cleanup();
    }
  });

  it('every script documents itself in its header and README.md lists every one', () => {
    const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    for (const file of scripts) {
      const second = readFileSync(path.join(chaosDir, file), 'utf8').split('\n')[1]!;
      expect(second.startsWith(`# ${faultOf(file)[0]}: `)).toBe(true);
      expect(readme).toContain(`deploy/chaos/${file}`);
    }
    // The bash in lib.sh is not a copy of the scripts' vocabulary: each fault name is spelt once, in its script.
    expect(readFileSync(path.join(chaosDir, 'lib.sh'), 'utf8')).not.toMatch(/^FAULT=/m);
  });
});

describe.skipIf(!LocalCluster.brokerMainExists())('deploy/chaos send-gap client on a real broker group', () => {
  const { dir, cleanup } = tmpDir('chaos-gap');
  let cluster: LocalCluster;
  beforeAll(async () => {
    cluster = await LocalCluster.create({ dataDir: dir, ports: 'auto', segmentBytes: 4 * 1024 * 1024 });
    cluster.startAll();
    await cluster.waitForNamesrvs(60_000);
    await cluster.waitForLeader('broker-a', { timeoutMs: 60_000 });
  }, 120_000);
  afterAll(async () => {
    await cluster?.close(2_000);
    cleanup();
  });

  it('measures: every send acknowledged, the longest gap below the run time; bad bounds are refused', async () => {
    const endpoint = cluster.v2Endpoints('broker-a')[1]!;
    const s = await measureSendGap({ endpoint, topic: 'ChaosGapTest', seconds: 3, rate: 20 });
    expect(s.acked).toBeGreaterThan(10);
    expect(s.failed).toBe(0);
    expect(s.sent).toBe(s.acked);
    expect(s.maxGapMs).toBeGreaterThan(0);
    expect(s.maxGapMs).toBeLessThan(s.endedMs - s.startedMs);
    expect(s.maxGapToMs - s.maxGapFromMs).toBe(s.maxGapMs);
    await expect(measureSendGap({ endpoint, topic: 'ChaosGapTest', seconds: 0, rate: 20 })).rejects.toThrow(/--seconds must be in/);
    await expect(measureSendGap({ endpoint, topic: 'ChaosGapTest', seconds: 1, rate: 5_000 })).rejects.toThrow(/--rate must be in/);
  }, 60_000);
});
