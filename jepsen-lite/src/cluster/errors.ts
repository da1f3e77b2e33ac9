// One error class per failure mode of the cluster tier.

export class ClusterTierError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad command line or options. */
export class UsageError extends ClusterTierError {}

/** A fault name that is in the vocabulary but not built yet (power-loss, clock-jump, …). */
export class FaultNotImplementedError extends ClusterTierError {
  constructor(readonly fault: string) {
    super(`fault "${fault}" is not implemented yet in the cluster tier (see jepsen-lite/README.md, "Not yet")`);
  }
}

/** A fault name outside the vocabulary. */
export class UnknownFaultError extends ClusterTierError {
  constructor(readonly fault: string, known: readonly string[]) {
    super(`unknown fault "${fault}"; known: ${known.join(', ')}`);
  }
}

/** The cluster did not come up (no leader, NameServer silent) within its deadline. */
export class ClusterStartError extends ClusterTierError {}

/** A client call did not answer within its bound: its outcome is unknown (`info`). */
export class OpTimeoutError extends ClusterTierError {
  constructor(readonly what: string, readonly ms: number) {
    super(`${what}: no answer within ${ms} ms`);
  }
}

/** The TCP proxy could not listen or was used after close. */
export class ProxyError extends ClusterTierError {}
