// One error class per failure mode of the ledger, each saying whether a retry may succeed.

export class LedgerError extends Error {
  readonly code: string;
  readonly retriable: boolean;
  constructor(code: string, message: string, retriable: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.retriable = retriable;
  }
}

/** An entry body is larger than the configured entryBytesMax. Nothing was written. */
export class EntryTooLargeError extends LedgerError {
  constructor(index: number, bytes: number, bytesMax: number) {
    super('ENTRY_TOO_LARGE', `entry ${index} has ${bytes} bytes, more than the limit of ${bytesMax}`, false);
  }
}

/** An append that would leave a gap, go below the log start or make terms go backwards. Nothing was written. */
export class NonContiguousAppendError extends LedgerError {
  constructor(message: string) {
    super('NON_CONTIGUOUS', message, false);
  }
}

/** The data directory belongs to another group or was created with other settings. The data was not touched. */
export class LedgerMismatchError extends LedgerError {
  constructor(message: string) {
    super('MISMATCH', message, false);
  }
}

/** An fsync failed. The ledger stops for good: retrying an fsync after a failure can silently lose data. */
export class FsyncFailedError extends LedgerError {
  constructor(what: string, cause: unknown) {
    super('FSYNC_FAILED', `fsync of ${what} failed; the ledger is stopped (no retry after a failed fsync)`, false, { cause });
  }
}

/** Any call after a fail-stop (a failed fsync or write). */
export class LedgerStoppedError extends LedgerError {
  constructor(cause: unknown) {
    super('STOPPED', 'the ledger stopped after an I/O failure and must be reopened', false, { cause });
  }
}

export class LedgerClosedError extends LedgerError {
  constructor() {
    super('CLOSED', 'the ledger is closed', false);
  }
}

/** The log failed its checksums at open in its committed region: it is read-only until repaired. */
export class LedgerCorruptError extends LedgerError {
  constructor(reason: string) {
    super('CORRUPT', `the log is corrupt (${reason}); refusing to write until repaired`, false);
  }
}

/** A read found bytes that fail their checksums or do not decode. */
export class CorruptEntryError extends LedgerError {
  constructor(message: string) {
    super('CORRUPT_ENTRY', message, false);
  }
}

/** The requested index or position is not held (compacted, not yet written, or padding). */
export class EntryNotFoundError extends LedgerError {
  constructor(message: string) {
    super('NOT_FOUND', message, false);
  }
}
