// One error class per failure mode of a broker admin call, each saying whether a retry may
// succeed. The code travels in the x-ledgermq-error-code trailer, so the client rebuilds the
// same class on its side.

export const errorCodeHeader = 'x-ledgermq-error-code';
export const retriableHeader = 'x-ledgermq-retriable';
export const leaderAdminHeader = 'x-ledgermq-leader-admin';

export class BrokerAdminError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A write reached a node that is not the leader: retry at `leaderAdmin` ('' when unknown). */
export class AdminNotLeaderError extends BrokerAdminError {
  constructor(readonly leaderAdmin: string, options?: { cause?: unknown }) {
    super(leaderAdmin === '' ? 'this node is not the leader and no leader is known; retry' : `this node is not the leader; the leader's admin endpoint is ${leaderAdmin}`, 'NOT_LEADER', true, options);
  }
}

export class AdminBadRequestError extends BrokerAdminError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'BAD_REQUEST', false, options);
  }
}

export class AdminNotFoundError extends BrokerAdminError {
  constructor(message: string) {
    super(message, 'NOT_FOUND', false);
  }
}

/** A config key that the running node cannot change. */
export class RestartRequiredError extends BrokerAdminError {
  constructor(message: string) {
    super(message, 'RESTART_REQUIRED', false);
  }
}

/** The proposal failed or timed out: it may or may not have been applied. */
export class AdminWriteFailedError extends BrokerAdminError {
  constructor(message: string, retriable: boolean, options?: { cause?: unknown }) {
    super(message, 'WRITE_FAILED', retriable, options);
  }
}

/** The endpoint did not answer (client side). */
export class AdminUnavailableError extends BrokerAdminError {
  constructor(address: string, options?: { cause?: unknown }) {
    super(`broker admin endpoint ${address} did not answer: ${(options?.cause as Error | undefined)?.message ?? 'unavailable'}`, 'UNAVAILABLE', true, options);
  }
}

export class AdminInternalError extends BrokerAdminError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'INTERNAL', true, options);
  }
}

/** The client-side class for a code read from the trailer. */
export function adminErrorOf(code: string, message: string, retriable: boolean, leaderAdmin: string): BrokerAdminError {
  switch (code) {
    case 'NOT_LEADER':
      return new AdminNotLeaderError(leaderAdmin);
    case 'BAD_REQUEST':
      return new AdminBadRequestError(message);
    case 'NOT_FOUND':
      return new AdminNotFoundError(message);
    case 'RESTART_REQUIRED':
      return new RestartRequiredError(message);
    case 'WRITE_FAILED':
      return new AdminWriteFailedError(message, retriable);
    default:
      return new AdminInternalError(message);
  }
}
