// Shared by the ledger's tests (not part of the public API).

import type { Entry } from '@ledgermq/raft';
import { FaultFileSystem } from './fs/fault-file-system.ts';
import { Ledger } from './ledger.ts';
import type { LedgerOptions } from './ledger.ts';

/** Deterministic entry whose data depends on (index, term, size). */
export function makeEntry(index: number, term: number, size: number): Entry {
  const data = new Uint8Array(size);
  for (let k = 0; k < size; k++) data[k] = (index * 31 + term * 7 + k) & 0xff;
  return { index, term, type: 0, data };
}

export function makeEntries(from: number, count: number, term: number, size: number | ((i: number) => number)): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i < from + count; i++) out.push(makeEntry(i, term, typeof size === 'number' ? size : size(i)));
  return out;
}

export function openTest(fs: FaultFileSystem, overrides: Partial<LedgerOptions> = {}): Ledger {
  return Ledger.open({ fs, dir: '/data/n1', groupId: 'g1', segmentBytes: 64 * 1024, ...overrides });
}

/** A log holding entries 1..count of term 1 (`size` bytes each), synced and all committed. */
export function openCommitted(fs: FaultFileSystem, overrides: Partial<LedgerOptions>, count: number, size: number): Ledger {
  const l = openTest(fs, overrides);
  l.append(makeEntries(1, count, 1, size));
  l.sync();
  l.saveHardState({ term: 1, vote: null, commit: count });
  return l;
}

export function sameEntry(a: Entry, b: Entry): boolean {
  return a.index === b.index && a.term === b.term && a.type === b.type && Buffer.from(a.data).equals(Buffer.from(b.data));
}

export class PowerCut extends Error {}

/** A FaultFileSystem that throws PowerCut at the n-th mutating call after arm(n): crash() then models the cut. */
export class CuttableFs extends FaultFileSystem {
  private left = Infinity;
  arm(n: number): void {
    this.left = n;
  }
  disarm(): void {
    this.left = Infinity;
  }
  private tick(): void {
    if (this.left === 0) {
      this.left = Infinity;
      throw new PowerCut('power cut');
    }
    this.left -= 1;
  }
  override write(fd: number, buf: Uint8Array, o: number, n: number, p: number): void {
    this.tick();
    super.write(fd, buf, o, n, p);
  }
  override fsync(fd: number): void {
    this.tick();
    super.fsync(fd);
  }
  override fsyncDir(dir: string): void {
    this.tick();
    super.fsyncDir(dir);
  }
  override rename(a: string, b: string): void {
    this.tick();
    super.rename(a, b);
  }
  override unlink(p: string): void {
    this.tick();
    super.unlink(p);
  }
  override truncate(fd: number, size: number): void {
    this.tick();
    super.truncate(fd, size);
  }
}
