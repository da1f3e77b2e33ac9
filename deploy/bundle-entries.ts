// Image build step (deploy/Dockerfile): bundles the broker node's and the NameServer's process
// entries with packages/broker/src/local/node-bundle.ts, the esbuild bundle the test harnesses and
// jepsen-lite start nodes from (our packages in one ES module, installed packages imported from
// node_modules as installed), and links each at a fixed name beside it for deploy/ledgermq.sh:
//
//   node_modules/.cache/ledgermq/broker.mjs  -> main-broker-<hash>.mjs
//   node_modules/.cache/ledgermq/namesrv.mjs -> main-namesrv-<hash>.mjs
//
// Why: through tsx a container (re)start resolved and compiled every module twice before the node
// opened its log (the CLI, then the entry it spawns): seconds of a 2-core machine, on every restart.
//
//   node --import tsx deploy/bundle-entries.ts      # from the repository root (the image's /app)

import { existsSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { brokerMainPath, namesrvMainPath } from '@ledgermq/broker/local';
import { nodeEntryArgs } from '../packages/broker/src/local/node-bundle.ts';

for (const [name, entry] of [['broker', brokerMainPath], ['namesrv', namesrvMainPath]] as const) {
  const [bundle, ...rest] = nodeEntryArgs(entry);
  if (bundle === undefined || rest.length > 0 || !existsSync(bundle)) throw new Error(`no bundle of ${entry} (LEDGERMQ_NODE_BUNDLE=0?): ${[bundle, ...rest].join(' ')}`);
  const link = path.join(path.dirname(bundle), `${name}.mjs`);
  rmSync(link, { force: true });
  symlinkSync(path.basename(bundle), link);
  process.stdout.write(`${link} -> ${path.basename(bundle)}\n`);
}
