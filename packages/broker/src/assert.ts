export class AssertionError extends Error {
  override readonly name = 'AssertionError';
}

/** Invariant checks stay on in production: a broken invariant stops the call, never corrupts state. */
export function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new AssertionError(message);
}
