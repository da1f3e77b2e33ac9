// One error class per failure mode of the NameServer and its client, each saying whether a
// retry may succeed.

export class NamesrvError extends Error {
  readonly code: string;
  readonly retriable: boolean;
  constructor(code: string, message: string, retriable: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.retriable = retriable;
  }
}

/** Another live node of the group already registered with this broker id. */
export class BrokerIdConflictError extends NamesrvError {
  static readonly code = 'BROKER_ID_CONFLICT';
  constructor(message: string, options?: { cause?: unknown }) {
    super(BrokerIdConflictError.code, message, false, options);
  }
}

/** The group's live nodes registered under another cluster name. */
export class ClusterMismatchError extends NamesrvError {
  static readonly code = 'CLUSTER_MISMATCH';
  constructor(message: string, options?: { cause?: unknown }) {
    super(ClusterMismatchError.code, message, false, options);
  }
}

/** No live broker group serves the topic. It may appear once a broker registers it. */
export class TopicNotFoundError extends NamesrvError {
  static readonly code = 'TOPIC_NOT_FOUND';
  readonly topic: string;
  constructor(topic: string, options?: { cause?: unknown }) {
    super(TopicNotFoundError.code, `no route for topic "${topic}"`, false, options);
    this.topic = topic;
  }
}

/** The request breaks a rule of the protocol (name, range, missing field). */
export class InvalidRequestError extends NamesrvError {
  static readonly code = 'INVALID_REQUEST';
  constructor(message: string, options?: { cause?: unknown }) {
    super(InvalidRequestError.code, message, false, options);
  }
}

/** The NameServer could not be reached (down, restarting, wrong address). */
export class NamesrvUnavailableError extends NamesrvError {
  constructor(address: string, options?: { cause?: unknown }) {
    super('UNAVAILABLE', `NameServer ${address} unavailable`, true, options);
  }
}

/** No answer within the call's deadline (the call may still have been applied). */
export class NamesrvTimeoutError extends NamesrvError {
  constructor(address: string, method: string, timeoutMs: number, options?: { cause?: unknown }) {
    super('TIMEOUT', `NameServer ${address}: ${method} got no answer within ${timeoutMs} ms`, true, options);
  }
}

/** The client was closed before or during the call. */
export class NamesrvClosedError extends NamesrvError {
  constructor(address: string, options?: { cause?: unknown }) {
    super('CLOSED', `client of NameServer ${address} is closed`, false, options);
  }
}

/** The NameServer failed in an unexpected way. */
export class NamesrvInternalError extends NamesrvError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INTERNAL', message, true, options);
  }
}

/** Bad command line or configuration of the NameServer process. */
export class NamesrvConfigError extends NamesrvError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BAD_CONFIG', message, false, options);
  }
}
