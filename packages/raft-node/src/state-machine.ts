// What the node applies committed entries to. The store (ConsumeQueue, index, metadata)
// implements this later; the runtime ships a digest state machine that proves every
// replica applied the same entries in the same order.

import type { ConfState, Entry } from '@ledgermq/raft';

export interface StateMachine {
  /** Index of the last entry whose effects are durable in the state machine (0 = none). */
  appliedIndex(): number;
  /** Voters as of appliedIndex(), or null when no membership change was applied yet. */
  conf(): ConfState | null;
  /** Applies committed entries, in log order, each exactly once per index. */
  apply(entries: readonly Entry[]): void;
  /** Serialises the state as of appliedIndex() (opaque to Raft and the ledger). */
  snapshot(): Uint8Array;
  /** Replaces the whole state with a snapshot taken by another replica. */
  restore(data: Uint8Array, index: number): void;
  /** Makes the applied state durable (called periodically and on shutdown). */
  checkpoint(): void;
  /** A short description for status output and cross-replica comparison. */
  summary(): Record<string, unknown>;
  /** Waits for the last checkpoint to be durable and releases files (on shutdown). */
  close?(): Promise<void>;
  /** Retention deleted the log before `firstPos` (the state machine drops what pointed there). */
  logTruncated?(firstPos: number): void;
  /**
   * A digest of the applied state for comparing replicas byte for byte (admin StateDigest):
   * JSON-serialisable, equal on nodes that applied the same log, node-specific parts left out.
   */
  digest?(): Promise<Record<string, unknown>>;
}
