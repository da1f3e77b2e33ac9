import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreStateMachine } from './store-state-machine.ts';
import { appendBodies, batchBody, createTopicBody, message, openLedger, tempDir } from './test-helpers.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('a checkpoint of a busy second', () => {
  // Regression: flush built its batch with ops.push(...indexOps), which throws "Maximum call
  // stack size exceeded" past ~100k arguments, so one second at 40k messages/s failed the store.
  it('writes a batch of 160,000 index puts', async () => {
    const t = tempDir('flush-large');
    cleanups.push(t.cleanup);
    const ledger = openLedger(path.join(t.dir, 'ledger'));
    cleanups.push(() => ledger.close());
    const store = await StoreStateMachine.open({ dir: path.join(t.dir, 's'), log: ledger });
    cleanups.push(() => store.close().catch(() => {}));
    const bodies: Uint8Array[] = [createTopicBody('T', 1)];
    for (let e = 0; e < 625; e++) {
      bodies.push(batchBody('T', 0, Array.from({ length: 64 }, (_, j) => message('x', { uniqKey: `U${e}-${j}`, keys: [`a${e}-${j}`, `b${e}-${j}`] })), 1_700_000_000_000 + e));
    }
    store.apply(appendBodies(ledger, bodies));
    await store.flush(); // 40,000 messages x 4 index keys
    expect(store.appliedIndex()).toBe(626);
    expect(store.queueState('T', 0)).toEqual({ minOffset: 0, nextOffset: 40_000 });
    expect((await store.index.byUniqKey('U624-63')).map((h) => h.queueOffset)).toEqual([39_999]);
  });
});
