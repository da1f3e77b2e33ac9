/** The slice of a pino-style logger the ledger uses. */
export interface LedgerLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const silentLogger: LedgerLogger = { warn() {}, error() {} };
