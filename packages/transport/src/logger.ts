// The logging surface the transport needs; a pino logger satisfies it.

export interface TransportLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const noop = (): void => {};

export const silentLogger: TransportLogger = { debug: noop, info: noop, warn: noop, error: noop };
