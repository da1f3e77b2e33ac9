// One error class per failure mode of the broker, each saying whether a retry may succeed and
// which v2 status code the client gets for it.

import { Code } from '@ledgermq/protocol';

export class BrokerError extends Error {
  readonly retriable: boolean;
  /** v2 status code answered to the client. */
  readonly v2Code: number;
  constructor(message: string, v2Code: number, retriable: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.v2Code = v2Code;
    this.retriable = retriable;
  }
}

/** A request the broker refuses as it stands (names, sizes, missing fields). */
export class BadRequestError extends BrokerError {
  constructor(message: string, v2Code: number = Code.BAD_REQUEST) {
    super(message, v2Code, false);
  }
}

export class TopicNotFoundError extends BrokerError {
  constructor(topic: string) {
    super(`topic ${topic} does not exist`, Code.TOPIC_NOT_FOUND, false);
  }
}

export class GroupNotFoundError extends BrokerError {
  constructor(group: string) {
    super(`consumer group ${group} does not exist`, Code.CONSUMER_GROUP_NOT_FOUND, false);
  }
}

export class ForbiddenError extends BrokerError {
  constructor(message: string) {
    super(message, Code.FORBIDDEN, false);
  }
}

/** No leader is known (an election is running), or the leader cannot take the call yet. */
export class NoLeaderError extends BrokerError {
  constructor(message = 'the broker group has no leader right now; retry') {
    super(message, Code.HA_NOT_AVAILABLE, true);
  }
}

export class ForwardBusyError extends BrokerError {
  constructor(limit: number) {
    super(`more than ${limit} calls are being forwarded to the leader`, Code.TOO_MANY_REQUESTS, true);
  }
}

/** The forwarded call did not complete: the outcome on the leader is unknown. */
export class ForwardFailedError extends BrokerError {
  /** The leader could not be reached at all (gRPC UNAVAILABLE): it may be dead, a new one may come. */
  readonly leaderUnreachable: boolean;

  /** `abandoned`: cancelled here because the leader moved elsewhere while the call waited. */
  constructor(method: string, address: string, cause: Error & { code?: number }, abandoned = false) {
    super(`forwarding ${method} to the leader at ${address} failed: ${abandoned ? 'abandoned, the leader moved' : cause.message}`, Code.HA_NOT_AVAILABLE, true, { cause });
    this.leaderUnreachable = abandoned || cause.code === grpcUnavailable;
  }
}

/** gRPC status UNAVAILABLE (no connection, or the connection broke). */
const grpcUnavailable = 14;

export class InvalidReceiptHandleError extends BrokerError {
  constructor(message: string) {
    super(message, Code.INVALID_RECEIPT_HANDLE, false);
  }
}

export class BusyError extends BrokerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, Code.TOO_MANY_REQUESTS, true, options);
  }
}

/** The write may or may not have been stored (a timeout after proposing). */
export class UnknownOutcomeError extends BrokerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, Code.PROXY_TIMEOUT, true, options);
  }
}

export class InternalError extends BrokerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, Code.INTERNAL_ERROR, true, options);
  }
}
