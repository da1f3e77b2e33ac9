import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { brokerMainPath, namesrvMainPath } from './local-cluster.ts';
import { nodeBundleEnv, nodeEntryArgs } from './node-bundle.ts';

describe('nodeEntryArgs', () => {
  const saved = process.env[nodeBundleEnv];
  afterEach(() => {
    if (saved === undefined) delete process.env[nodeBundleEnv];
    else process.env[nodeBundleEnv] = saved;
  });

  it('bundles a main into node_modules/.cache, and the bundle runs on plain node (no tsx)', () => {
    delete process.env[nodeBundleEnv];
    for (const [entry, usage] of [[brokerMainPath, /usage: broker -c/], [namesrvMainPath, /usage|namesrv/]] as const) {
      const [bundle, ...rest] = nodeEntryArgs(entry);
      expect(rest).toEqual([]);
      expect(bundle).toMatch(/node_modules[\\/]\.cache[\\/]ledgermq[\\/]main-(broker|namesrv)-[0-9a-f]{16}\.mjs$/);
      expect(existsSync(bundle!)).toBe(true);
      // The same tree gives the same file (hash-named), so harnesses share it.
      expect(nodeEntryArgs(entry)).toEqual([bundle]);
      // Imports of our packages are inside it, installed ones load from node_modules: a bad flag
      // reaches the main's own argument check, which it could not if a module failed to load.
      const r = spawnSync(process.execPath, [bundle!, '--no-such-flag'], { encoding: 'utf8', timeout: 60_000, cwd: path.dirname(bundle!) });
      expect(r.status).not.toBe(0);
      expect(`${r.stdout}${r.stderr}`).toMatch(usage);
      expect(r.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find (module|package)/);
    }
  });

  it(`${nodeBundleEnv}=0 runs the TypeScript main through tsx`, () => {
    process.env[nodeBundleEnv] = '0';
    expect(nodeEntryArgs(brokerMainPath)).toEqual(['--import', 'tsx', brokerMainPath]);
  });
});
