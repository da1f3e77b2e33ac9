/** Assertions stay on in production: a broken invariant stops the caller instead of corrupting state. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}
