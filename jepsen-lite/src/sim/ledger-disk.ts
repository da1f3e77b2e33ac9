// The real disk of a simulated node: the ledger package over its FaultFileSystem.

import type { Entry, HardState, Snapshot } from '@ledgermq/raft';
import { FaultFileSystem, Ledger } from '@ledgermq/ledger';
import { segmentBytes } from './constants.ts';
import type { SimDisk, SimLedger } from './sim-disk.ts';

const groupId = 'sim';

export class LedgerDisk implements SimDisk {
  readonly fs: FaultFileSystem;

  constructor(random: () => number) {
    this.fs = new FaultFileSystem({ random });
  }

  open(dir: string): SimLedger {
    this.fs.mkdirp(dir);
    return new LedgerAdapter(Ledger.open({ fs: this.fs, dir, groupId, segmentBytes }));
  }

  crash(tearLast: boolean, random: () => number): void {
    this.fs.crash({ tearLast, random });
  }
}

/** Forwards to the ledger; only `corrupt()` is ours. */
class LedgerAdapter implements SimLedger {
  constructor(private readonly ledger: Ledger) {}
  firstIndex(): number {
    return this.ledger.firstIndex();
  }
  lastIndex(): number {
    return this.ledger.lastIndex();
  }
  term(index: number): number | undefined {
    return this.ledger.term(index);
  }
  entries(lo: number, hi: number, bytesMax: number): Entry[] {
    return this.ledger.entries(lo, hi, bytesMax);
  }
  snapshot(): Snapshot | null {
    return this.ledger.snapshot();
  }
  hardState(): HardState {
    return this.ledger.hardState();
  }
  saveHardState(hs: HardState): void {
    this.ledger.saveHardState(hs);
  }
  saveCommitHint(commit: number): void {
    this.ledger.saveCommitHint(commit);
  }
  append(entries: readonly Entry[]): void {
    this.ledger.append(entries);
  }
  sync(): { index: number; term: number } {
    return this.ledger.sync();
  }
  installSnapshot(snap: Snapshot): void {
    this.ledger.installSnapshot(snap);
  }
  corrupt(): boolean {
    return this.ledger.status().corrupt;
  }
  saveSnapshotAndTrim(snap: Snapshot): boolean {
    const loc = this.ledger.location(snap.meta.index);
    this.ledger.saveSnapshot(snap, loc.pos + loc.size);
    // Every segment the snapshot covers counts as old: the file system's clock stands still.
    this.ledger.applyRetention({ nowMs: 0, maxAgeMs: 0 });
    return true;
  }
}
