// A node's disk as the simulator sees it: open a ledger over it, or lose power.
// The real one is the ledger package on its FaultFileSystem; the memory one (a model of
// the ledger's durability contract over the core's MemoryStorage) exists to test the
// simulator itself independently of the ledger.

import { MemoryStorage, type Entry, type HardState, type LogStorage, type Snapshot } from '@ledgermq/raft';

/** The part of the ledger API the node driver uses. */
export interface SimLedger extends LogStorage {
  hardState(): HardState;
  saveHardState(hs: HardState): void;
  /** A newer commit index, saved without fsync (a crash may lose it); only durable entries. */
  saveCommitHint(commit: number): void;
  append(entries: readonly Entry[]): void;
  sync(): { index: number; term: number };
  installSnapshot(snap: Snapshot): void;
  /** True when the log failed its checksums at open (the node must not vote or lead). */
  corrupt(): boolean;
  /**
   * Save a snapshot of the state machine as of `snap.meta.index` (an applied entry still in
   * the log) and delete the segments it covers. Returns false when this disk cannot compact.
   */
  saveSnapshotAndTrim(snap: Snapshot): boolean;
}

export interface SimDisk {
  open(dir: string): SimLedger;
  /** Power loss: every unfsynced write is lost, the last one possibly torn. */
  crash(tearLast: boolean, random: () => number): void;
}

/** The durability contract alone: entries survive a crash only up to the last sync. */
export class MemoryDisk implements SimDisk {
  private durable: Entry[] = [];
  private durableHs: HardState = { term: 0, vote: null, commit: 0 };
  private live: MemoryLedger | null = null;

  open(): SimLedger {
    this.live = new MemoryLedger(this.durable, this.durableHs, (entries, hs) => {
      this.durable = entries;
      this.durableHs = hs;
    });
    return this.live;
  }

  crash(): void {
    this.live = null;
  }
}

class MemoryLedger extends MemoryStorage implements SimLedger {
  private hs: HardState;
  /** The hard state as last fsynced: the commit hint is not in it. */
  private syncedHs: HardState;

  constructor(
    entries: readonly Entry[],
    hs: HardState,
    private readonly persist: (entries: Entry[], hs: HardState) => void,
  ) {
    super();
    this.hs = hs;
    this.syncedHs = hs;
    super.append(entries);
  }

  hardState(): HardState {
    return this.hs;
  }

  saveHardState(hs: HardState): void {
    this.hs = hs;
    this.syncedHs = hs;
    this.persist(this.allEntries(), hs);
  }

  saveCommitHint(commit: number): void {
    if (commit > this.hs.commit) this.hs = { ...this.hs, commit };
  }

  sync(): { index: number; term: number } {
    this.persist(this.allEntries(), this.syncedHs);
    const last = this.lastIndex();
    return { index: last, term: this.term(last) ?? 0 };
  }

  corrupt(): boolean {
    return false;
  }

  saveSnapshotAndTrim(): boolean {
    return false;
  }

  private allEntries(): Entry[] {
    const last = this.lastIndex();
    return last >= this.firstIndex() ? this.entries(this.firstIndex(), last + 1, Number.MAX_SAFE_INTEGER) : [];
  }
}
