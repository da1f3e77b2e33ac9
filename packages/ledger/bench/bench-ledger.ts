// Micro-benchmark (not a test): 1 KiB entries, one fsync per 256 entries, RealFileSystem in a tmp dir.
// Run: npx tsx packages/ledger/bench/bench-ledger.ts [entries]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Entry } from '@ledgermq/raft';
import { Ledger, RealFileSystem } from '@ledgermq/ledger';

const total = Number(process.argv[2] ?? 200_000);
const entryBytes = 1024;
const batch = 256;
const dir = mkdtempSync(join(tmpdir(), 'ledger-bench-'));
try {
  const ledger = Ledger.open({ fs: new RealFileSystem(), dir, groupId: 'bench', segmentBytes: 64 * 1024 * 1024 });
  const data = new Uint8Array(entryBytes).fill(0x61);
  const started = process.hrtime.bigint();
  let syncs = 0;
  for (let i = 1; i <= total; i += batch) {
    const entries: Entry[] = [];
    for (let k = i; k < Math.min(i + batch, total + 1); k++) entries.push({ index: k, term: 1, type: 0, data });
    ledger.append(entries);
    ledger.sync();
    syncs += 1;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const st = ledger.status();
  ledger.close();
  console.log(
    `${total} entries of ${entryBytes} B, ${syncs} fsyncs in ${seconds.toFixed(2)} s: ` +
      `${Math.round(total / seconds).toLocaleString()} appends/s, ${((total * entryBytes) / seconds / 1e6).toFixed(1)} MB/s ` +
      `(${st.segments} segments, ${(st.bytes / 1e6).toFixed(1)} MB on disk)`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
