// The logging surface the NameServer needs; a pino logger satisfies it.

export interface NamesrvLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const noop = (): void => {};

export const silentLogger: NamesrvLogger = { debug: noop, info: noop, warn: noop, error: noop };
