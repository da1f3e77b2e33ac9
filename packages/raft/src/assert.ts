import { AssertionError } from './errors.ts';

/** Assertions stay on in production: a broken invariant stops the node instead of corrupting it. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}
