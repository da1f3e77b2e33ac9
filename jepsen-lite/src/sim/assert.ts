/** Assertions stay on: a broken simulator invariant must stop the run, not skew it. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}
