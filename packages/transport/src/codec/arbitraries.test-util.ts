// fast-check generators for Raft messages, shared by the codec tests.

import fc from 'fast-check';
import type { Entry, Message, Snapshot } from '@ledgermq/raft';

const u53 = fc.oneof(fc.nat(1000), fc.maxSafeNat());
const nodeId = fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' });

export const entryArb: fc.Arbitrary<Entry> = fc.record({
  index: u53,
  term: u53,
  type: fc.constantFrom(0 as const, 1 as const, 2 as const),
  data: fc.uint8Array({ maxLength: 64 }),
});

export const snapshotArb: fc.Arbitrary<Snapshot> = fc.record({
  meta: fc.record({ index: u53, term: u53, conf: fc.record({ voters: fc.array(nodeId, { maxLength: 5 }) }) }),
  data: fc.uint8Array({ maxLength: 256 }),
});

export const messageArb: fc.Arbitrary<Message> = fc.record({
  type: fc.integer({ min: 0, max: 8 }) as fc.Arbitrary<Message['type']>,
  from: nodeId,
  to: nodeId,
  term: u53,
  index: u53,
  logTerm: u53,
  entries: fc.array(entryArb, { maxLength: 5 }),
  commit: u53,
  reject: fc.boolean(),
  rejectHint: u53,
  snapshot: fc.option(snapshotArb, { nil: null }),
  transfer: fc.boolean(),
});

/** A plain message for hand-written tests. */
export function message(overrides: Partial<Message> = {}): Message {
  return {
    type: 4,
    from: 'n0',
    to: 'n1',
    term: 3,
    index: 10,
    logTerm: 2,
    entries: [],
    commit: 9,
    reject: false,
    rejectHint: 0,
    snapshot: null,
    transfer: false,
    ...overrides,
  };
}
