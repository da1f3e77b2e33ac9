// ONE short real-cluster run: NameServer + 3 broker node processes, the official client, the
// partition-leader fault through the TCP proxies, full restart, drain, checkers. Zero lost / unexpected / duplicate storage,
// and a measured unavailability window.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalCluster } from '@ledgermq/broker/local';
import { parseJsonl, type Op } from './history.ts';
import { runJepsen } from './runner.ts';

const outDir = mkdtempSync(path.join(os.tmpdir(), 'ledgermq-jepsen-test-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe.skipIf(!LocalCluster.brokerMainExists())('jepsen runner on a real cluster', () => {
  // The proxy network here; the CI suite (test/jepsen-ci-suite.test.ts) runs on namespaces where the host allows them.
  it('partition-leader on the proxy network: nothing lost, nothing unexpected, nothing stored twice; the window is measured', async () => {
    const r = await runJepsen({ workload: 'queue', faults: ['partition-leader'], timeS: 15, rate: 60, seed: 7, nodes: 3, outDir, drainTimeoutMs: 15_000, network: 'proxy', log: () => {} });
    expect(r.summary.network.kind).toBe('proxy');
    const fig = (name: string, key: string) => r.checks.find((c) => c.name === name)!.figures[key];
    expect(r.faults).toHaveLength(1);
    expect(fig('lost', 'acked')).toBeGreaterThan(50);
    expect(fig('lost', 'lost')).toBe(0);
    expect(fig('unexpected', 'unexpected')).toBe(0);
    expect(fig('duplicated', 'duplicateStorage')).toBe(0);
    expect(fig('one-per-position', 'positionConflicts')).toBe(0);
    const w = r.windows[0]!;
    expect(w.sendWindowMs).not.toBeNull();
    expect(w.sendWindowMs!).toBeGreaterThan(0);
    expect(w.recoverSendMs).not.toBeNull();
    expect(r.pass, r.text).toBe(true);
    // The bundle is there and its history is the one checked.
    const ops = parseJsonl<Op>(readFileSync(path.join(outDir, 'history.jsonl'), 'utf8'));
    expect(ops.length).toBe(r.summary.opsRecorded);
    expect(readFileSync(path.join(outDir, 'report.html'), 'utf8')).toContain('<svg');
    expect(readFileSync(path.join(outDir, 'report.txt'), 'utf8')).toMatch(/PASS\s+lost/);
    process.stdout.write(r.text);
  }, 150_000);
});
