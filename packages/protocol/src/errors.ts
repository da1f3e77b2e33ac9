// One error class per failure mode of the protocol layer, each saying whether a retry may succeed.

export class ProtocolError extends Error {
  readonly code: string;
  readonly retriable: boolean;
  constructor(code: string, message: string, retriable: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.retriable = retriable;
  }
}

/** A .proto file could not be found or parsed (missing package, broken install). */
export class ProtoLoadError extends ProtocolError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('PROTO_LOAD', `cannot load protocol definition: ${message}`, false, options);
  }
}

/** A decoded message breaks a rule of our protocol (missing field, bad name, out of range). */
export class InvalidFieldError extends ProtocolError {
  readonly field: string;
  constructor(field: string, message: string, options?: { cause?: unknown }) {
    super('INVALID_FIELD', `invalid ${field}: ${message}`, false, options);
    this.field = field;
  }
}

/** An address string that is not `host:port`. */
export class AddressParseError extends ProtocolError {
  constructor(input: string, message: string, options?: { cause?: unknown }) {
    super('BAD_ADDRESS', `bad address "${input}": ${message}`, false, options);
  }
}
