// Differential test: random sequences of JobStore calls run against the MemoryStore (the
// reference) and the PostgresStore; every answer (jobs, promoted and healed lists, orders,
// error codes) and the final rows must be identical.
import { MemoryStore } from '@jobgate/core';
import { describeWith, type StoreHarness } from '@jobgate/testkit';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyOp, byId, outcome } from './applyOp.js';
import { op, PRESETS, T0 } from './differentialOps.js';
import { pgliteHarness, serverHarness } from './pgHarness.js';

function describeDifferential(
  name: string,
  factory: () => Promise<StoreHarness>,
  numRuns: number,
): void {
  describe(`PostgresStore answers exactly like MemoryStore: ${name}`, () => {
    let h: StoreHarness;
    beforeAll(async () => {
      h = await factory();
    });
    afterAll(async () => {
      await h?.close();
    });

    it(`agrees on ${numRuns} random call sequences`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...PRESETS),
          fc.array(op, { minLength: 5, maxLength: 40 }),
          async (limits, ops) => {
            await h.reset();
            const memory = new MemoryStore();
            const memIds: string[] = [];
            const sqlIds: string[] = [];
            const memState = { now: T0, n: 0 };
            const sqlState = { now: T0, n: 0 };
            for (const [i, o] of ops.entries()) {
              const expected = await outcome(() => applyOp(memory, o, memIds, memState, limits));
              const actual = await outcome(() => applyOp(h.store, o, sqlIds, sqlState, limits));
              expect(actual, `step ${i}: ${JSON.stringify(o)}`).toEqual(expected);
            }
            expect(byId(await h.rows())).toEqual(byId(memory.snapshot()));
          },
        ),
        { numRuns },
      );
    }, 300_000);
  });
}

describeDifferential('PGlite', pgliteHarness, Number(process.env.JOBGATE_DIFF_RUNS ?? 300));
describeWith('postgres', 'server', () => {
  describeDifferential(
    'PostgreSQL',
    () => serverHarness(),
    Number(process.env.JOBGATE_DIFF_RUNS ?? 300),
  );
});
