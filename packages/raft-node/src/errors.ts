// One error class per failure mode of the node runtime, each saying whether a retry may succeed.

export class NodeError extends Error {
  readonly code: string;
  readonly retriable: boolean;
  constructor(code: string, message: string, retriable: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.retriable = retriable;
  }
}

/** The proposal was not committed in time: it may or may not commit later (unknown outcome). */
export class ProposalTimeoutError extends NodeError {
  constructor(index: number) {
    super('TIMEOUT', `proposal at index ${index} not committed in time; outcome unknown`, true);
  }
}

/** The proposal's entry was replaced by a new leader's entry: it will never commit. */
export class ProposalDroppedError extends NodeError {
  constructor(index: number, term: number, committedTerm: number) {
    super('DROPPED', `entry ${index} of term ${term} was replaced by term ${committedTerm}`, true);
  }
}

/**
 * This node stopped leading before the proposal's entry committed. Its outcome is unknown: a
 * later leader commits it if a majority holds it. Answered at once rather than at the
 * proposal's timeout, so a client retries on another node while the group is still electing;
 * a retry must be idempotent (a send's message id is).
 */
export class LeadershipLostError extends NodeError {
  constructor(index: number, term: number) {
    super('LOST', `entry ${index} of term ${term}: this node stopped leading before it committed; outcome unknown`, true);
  }
}

export class NodeStoppedError extends NodeError {
  constructor() {
    super('STOPPED', 'the node is stopping', true);
  }
}

export class TooManyPendingError extends NodeError {
  constructor(limit: number) {
    super('BUSY', `more than ${limit} proposals pending`, true);
  }
}
