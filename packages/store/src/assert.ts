/** Assertions stay on in production: a broken invariant stops the store instead of corrupting it. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`store assertion failed: ${message}`);
}

/** A non-negative safe integer (offsets, positions, indexes, timestamps). */
export function assertUint(n: number, what: string): void {
  // The message is built only on failure: this runs several times per applied message.
  if (!(Number.isSafeInteger(n) && n >= 0)) assert(false, `${what} must be a non-negative safe integer, got ${n}`);
}
