// One error class per failure mode of the cluster tier.

export class ClusterTierError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad command line or options. */
export class UsageError extends ClusterTierError {}

/** A fault that needs more nodes than the run has (partition-ring and bridge need 5). */
export class FaultNodesError extends UsageError {
  constructor(readonly fault: string, readonly nodesMin: number, nodes: number) {
    super(`fault "${fault}" needs ${nodesMin} nodes (--nodes ${nodesMin}); this run has ${nodes}`);
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

/** A fault could not be applied or undone as planned (a node did not stop, no leader to ask). */
export class FaultInjectionError extends ClusterTierError {}

/** Network namespaces or nftables could not be set up, changed or torn down. */
export class NetnsError extends ClusterTierError {}
