// How a harness starts a broker node process: from one bundled ES module of our TypeScript
// (esbuild), not through tsx. tsx resolves and compiles every module through a loader worker
// at each start: importing the broker took 2.2 s of a quiet 2-core machine, a third of it in
// the loader's round trips, and about 5 s under jepsen-lite's load, which every restart
// (kill-all, failover tests) waited for before the node even opened its log.
//
// The bundle holds our packages only; every other import stays a normal import of the
// installed package (native LevelDB, gRPC, …), resolved from the bundle's place under the
// repository's node_modules/.cache. It is built once per harness process, named by a hash of
// its text, so a changed tree never runs an old bundle and identical trees share one file.
// LEDGERMQ_NODE_BUNDLE=0 runs nodes through tsx as before.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { assert } from '../assert.ts';

export const nodeBundleEnv = 'LEDGERMQ_NODE_BUNDLE';

const built = new Map<string, string>();

/** Node arguments that run `entry` (a .ts main): the bundle's path, or tsx and the entry. */
export function nodeEntryArgs(entry: string): string[] {
  if (process.env[nodeBundleEnv] === '0') return ['--import', 'tsx', entry];
  let bundle = built.get(entry);
  if (bundle === undefined) {
    bundle = buildBundle(entry);
    built.set(entry, bundle);
  }
  return [bundle];
}

/**
 * Our own packages are bundled; every installed package is external (imported at run time as
 * installed). esbuild's synchronous API takes no plugins, so the list is node_modules' names.
 */
function externalPackages(repoRoot: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(repoRoot, 'node_modules'))) {
    if (name.startsWith('.') || name === '@ledgermq') continue;
    out.push(name.startsWith('@') ? `${name}/*` : name, `${name}/*`);
  }
  return out;
}

function buildBundle(entry: string): string {
  const repoRoot = path.resolve(path.dirname(entry), '../../..');
  const cacheDir = path.join(repoRoot, 'node_modules', '.cache', 'ledgermq');
  const r = buildSync({
    entryPoints: [entry], bundle: true, write: false, platform: 'node', format: 'esm', target: 'node20',
    external: externalPackages(repoRoot), logLevel: 'silent',
  });
  const out = r.outputFiles[0];
  assert(out !== undefined, `esbuild wrote nothing for ${entry}`);
  const name = `${path.basename(entry, '.ts')}-${path.basename(path.dirname(path.dirname(entry)))}-${createHash('sha1').update(out.contents).digest('hex').slice(0, 16)}.mjs`;
  const file = path.join(cacheDir, name);
  if (!existsSync(file)) {
    mkdirSync(cacheDir, { recursive: true });
    // Written whole, then renamed: a harness starting in parallel never runs half a file.
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, out.contents);
    renameSync(tmp, file);
  }
  return file;
}
