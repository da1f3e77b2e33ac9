// The CI suite of jepsen-lite's cluster tier (issue 5 section 5): kill-leader, partition-leader,
// pause-leader, stall-leader, power-loss and partition-halves, 30 s each, every one on a fresh NameServer +
// three-node group of real processes driven by the official client, through the same code as
// `npm run jepsen:suite` (runSuite), on the network `auto` picks: every node in a network
// namespace (faults are nftables drops) where the host allows it. Every checker must pass; the
// suite table is printed.
//
// Bounded: each run is 30 s of workload plus start, full restart and a drain capped below; the
// whole test has a hard timeout, and afterAll kills any process a timed-out run left behind.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalCluster } from '@ledgermq/broker/local';
import { JepsenCluster } from '../jepsen-lite/src/cluster/cluster.ts';
import type { FaultName } from '../jepsen-lite/src/cluster/faults.ts';
import { renderTable, runSuite } from '../jepsen-lite/src/cluster/suite.ts';
import { detectNetns } from '../jepsen-lite/src/cluster/network/index.ts';

const ciFaults: FaultName[] = ['kill-leader', 'partition-leader', 'pause-leader', 'stall-leader', 'power-loss', 'partition-halves'];
const runSeconds = 30;
/** Sends per second over all producer lanes: enough history per fault, light on a loaded 2-core box. */
const rate = 60;
/** Caps each run's drain (the default is 45 s) so six runs stay within the suite's budget. */
const drainTimeoutMs = 25_000;
/** Six runs of ~40-60 s each on an idle machine; generous for a loaded one, still bounded. */
const suiteTimeoutMs = 640_000;

const root = mkdtempSync(path.join(os.tmpdir(), 'ledgermq-jepsen-ci-'));
let keepBundles = false;

afterAll(() => {
  const left = JepsenCluster.killAllSync();
  if (left > 0) process.stderr.write(`jepsen-ci: killed the processes of ${left} cluster(s) a run left behind\n`);
  if (!keepBundles) rmSync(root, { recursive: true, force: true });
});

describe.skipIf(!LocalCluster.brokerMainExists())('jepsen-lite CI suite (real processes)', () => {
  it(
    `${ciFaults.join(', ')}: ${runSeconds} s each, every checker passes`,
    async () => {
      const started = Date.now();
      const rows = await runSuite({ faults: ciFaults, seeds: [1], timeS: runSeconds, rate, nodes: 3, workload: 'queue', root, drainTimeoutMs, progress: (l) => process.stderr.write(`jepsen-ci: ${l}\n`) });
      const table = renderTable(rows);
      writeFileSync(path.join(root, 'suite.txt'), table);
      process.stdout.write(`\njepsen-lite CI suite (${Math.round((Date.now() - started) / 1000)} s):\n${table}`);
      const failed = rows.filter((r) => !r.pass);
      if (failed.length > 0) {
        keepBundles = true; // the bundles (history, faults, node logs) say what happened
        process.stderr.write(`jepsen-ci: failing bundles kept under ${root}\n`);
      }
      expect(rows.map((r) => r.fault)).toEqual(ciFaults);
      // Namespaces + nftables where this host allows them (CI installs nftables), else the proxies.
      const support = await detectNetns();
      expect(rows.map((r) => r.network)).toEqual(ciFaults.map(() => (support.ok ? 'netns' : 'proxy')));
      for (const r of rows) {
        expect(r.failed, `${r.fault} (seed ${r.seed}), bundle ${r.outDir}`).toEqual([]);
        expect(r.pass).toBe(true);
        expect(r.acked, `${r.fault}: too few acknowledged sends to mean anything`).toBeGreaterThan(runSeconds * 10);
        expect(r.lost).toBe(0);
        expect(r.unexpected).toBe(0);
        expect(r.duplicateStorage).toBe(0);
        expect(r.windowMaxMs, `${r.fault}: the unavailability window was measured`).not.toBeNull();
      }
    },
    suiteTimeoutMs,
  );
});
