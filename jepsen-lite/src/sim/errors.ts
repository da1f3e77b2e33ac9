// One error class per failure mode of the simulator.

export class SimError extends Error {
  readonly retriable: boolean;
  constructor(message: string, retriable: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.retriable = retriable;
  }
}

/** A safety or liveness invariant was broken: the system under test is wrong (or the checker is). */
export class InvariantViolation extends SimError {
  readonly invariant: string;
  readonly atMs: number;
  constructor(invariant: string, detail: string, atMs: number, options?: { cause?: unknown }) {
    super(`[${invariant}] at t=${atMs}ms: ${detail}`, false, options);
    this.invariant = invariant;
    this.atMs = atMs;
  }
}

/** The run itself failed (an exception from the system under test that is not a violation, or a simulator bug). */
export class SimCrashError extends SimError {
  constructor(detail: string, atMs: number, options?: { cause?: unknown }) {
    super(`simulation crashed at t=${atMs}ms: ${detail}`, false, options);
  }
}
