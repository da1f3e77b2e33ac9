/** The slice of a pino-style logger the ledger uses. */
export interface LedgerLogger {
  /** Optional: how long opening took (loggers written before it have none). */
  info?(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const silentLogger: LedgerLogger = { warn() {}, error() {} };
