/** Assertions stay on in production: a broken invariant stops the ledger instead of corrupting it. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`ledger assertion failed: ${message}`);
}
