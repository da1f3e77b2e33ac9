// One error class per failure mode of the Raft core, each saying whether a retry may succeed.

import type { NodeId } from './types.ts';

export class RaftError extends Error {
  readonly retriable: boolean;
  constructor(message: string, retriable: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.retriable = retriable;
  }
}

/** This node is not the leader; `leader` is the one it knows of (null if none). */
export class NotLeaderError extends RaftError {
  readonly leader: NodeId | null;
  constructor(leader: NodeId | null) {
    super(leader === null ? 'not the leader; no leader known' : `not the leader; leader is ${leader}`, true);
    this.leader = leader;
  }
}

/** The leader refuses work for now (too many uncommitted proposals, a transfer, a pending conf change). */
export class BusyError extends RaftError {
  constructor(reason: string) {
    super(`busy: ${reason}`, true);
  }
}

export class EntryTooLargeError extends RaftError {
  constructor(bytes: number, bytesMax: number) {
    super(`entry of ${bytes} bytes exceeds the limit of ${bytesMax} bytes`, false);
  }
}

/** A peer sent a message that does not have the shape of a Raft message; drop it. */
export class MalformedMessageError extends RaftError {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`malformed message: ${reason}`, false, options);
  }
}

/** A membership change that makes no sense (adding a voter twice, removing a stranger, the last one). */
export class InvalidConfChangeError extends RaftError {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`invalid conf change: ${reason}`, false, options);
  }
}

/** A leadership transfer to a node that is not a voter. */
export class NotVoterError extends RaftError {
  constructor(node: NodeId) {
    super(`${node} is not a voter`, false);
  }
}

/** A broken invariant: the node must stop rather than continue with a corrupt state. */
export class AssertionError extends RaftError {
  constructor(message: string) {
    super(`assertion failed: ${message}`, false);
  }
}
