// One error class per failure mode of the store, each saying whether a retry may succeed.

export class StoreError extends Error {
  readonly code: string;
  readonly retriable: boolean;
  constructor(code: string, message: string, retriable: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.retriable = retriable;
  }
}

/** Bytes that do not decode as the format they claim (entry body, snapshot, stored record). */
export class MalformedError extends StoreError {
  constructor(what: string, detail: string, options?: { cause?: unknown }) {
    super('MALFORMED', `malformed ${what}: ${detail}`, false, options);
  }
}

/** A committed entry carries a command kind this store does not know. Applying stops here. */
export class UnknownCommandError extends StoreError {
  constructor(index: number, kind: number) {
    super('UNKNOWN_COMMAND', `entry ${index} carries unknown command kind ${kind}; the apply loop stops (upgrade the store)`, false);
  }
}

/** A value rejected before it is encoded (name rules, limits). Nothing was proposed. */
export class InvalidArgumentError extends StoreError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message, false);
  }
}

/** The store's files disagree with its checkpoint in a way replay cannot repair. */
export class CorruptStoreError extends StoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CORRUPT_STORE', message, false, options);
  }
}

/** An fsync or a durable write failed: the store stops for good (no retry after a failed fsync). */
export class StoreFailedError extends StoreError {
  constructor(what: string, cause: unknown) {
    super('STORE_FAILED', `${what} failed; the store is stopped`, false, { cause });
  }
}

/** The store was closed. */
export class StoreClosedError extends StoreError {
  constructor() {
    super('STORE_CLOSED', 'the store is closed', false);
  }
}

/** A message was asked for that the log no longer (or not yet) holds. */
export class MessageNotFoundError extends StoreError {
  constructor(message: string, retriable = false) {
    super('MESSAGE_NOT_FOUND', message, retriable);
  }
}
