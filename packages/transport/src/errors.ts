// One error class per failure mode of the transport, each saying whether a retry may succeed.

export class TransportError extends Error {
  readonly code: string;
  readonly retriable: boolean;
  constructor(code: string, message: string, retriable: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.retriable = retriable;
  }
}

/** Bytes from a peer that are not a valid batch: the frame is dropped and the stream reset. */
export class MalformedFrameError extends TransportError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('MALFORMED_FRAME', `malformed frame: ${message}`, false, options);
  }
}

/** A peer list (`n0-host:port;n1-host:port`) that cannot be parsed. */
export class PeersParseError extends TransportError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BAD_PEERS', `bad peer list: ${message}`, false, options);
  }
}

/** A message the encoder refuses (an invariant of the caller is broken: ids, numbers, sizes). */
export class InvalidMessageError extends TransportError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_MESSAGE', `invalid message: ${message}`, false, options);
  }
}
