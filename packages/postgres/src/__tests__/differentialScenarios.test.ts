// Fixed scenarios the differential test (differential.test.ts) once found, kept as plain tests.
import { type Job, MemoryStore } from '@jobgate/core';
import type { SlotLimits } from '@jobgate/core/adapter';
import { describe, expect, it } from 'vitest';
import { PRESETS, T0 } from './differentialOps.js';
import { pgliteHarness } from './pgHarness.js';

describe('fixed scenarios found by the differential test', () => {
  it('promote() returns the promoted job as it is after the promotion', async () => {
    const h = await pgliteHarness();
    try {
      const limits = PRESETS[0]!;
      await h.store.create(
        { id: 'b1', tool: 'upscaler', userId: 'u', pool: 'default', input: {}, userCreditCost: 1 },
        { maxActivePerUser: 1, now: T0 },
      );
      await h.store.start('b1', { limits, now: T0 });
      await h.store.requeue('b1', {
        limits,
        now: T0,
        retryAt: T0 + 30_000,
        errorCode: 'PROVIDER_BUSY',
        errorMessage: 'PROVIDER_BUSY: full',
      });
      expect(await h.store.promote({ limits, now: T0 + 29_999 })).toEqual([]);
      const promoted = await h.store.promote({ limits, now: T0 + 30_000 });
      expect(promoted.map((j) => [j.id, j.status, j.position, j.retryAt])).toEqual([
        ['b1', 'running', null, null],
      ]);
      expect(promoted).toEqual(await h.rows());
    } finally {
      await h.close();
    }
  });

  it('lists gpu2 first when its first job is older, even if its queue started later', async () => {
    const h = await pgliteHarness();
    try {
      const memory = new MemoryStore();
      const limits: SlotLimits = {
        poolCaps: { default: 1, gpu2: 1 },
        defaultPoolCap: 1,
        toolCaps: {},
        maxRunningPerUser: null,
      };
      for (const store of [memory, h.store]) {
        const submit = async (id: string, pool: string) => {
          await store.create(
            { id, tool: 'upscaler', userId: `u-${id}`, pool, input: {}, userCreditCost: 1 },
            { maxActivePerUser: 1, now: T0 },
          );
          return store.start(id, { limits, now: T0 });
        };
        await submit('g1', 'gpu2'); // runs
        await submit('d1', 'default'); // runs
        await submit('d2', 'default'); // queued
        await submit('g2', 'gpu2'); // queued
      }
      const ids = (jobs: Job[]) => jobs.map((j) => j.id);
      expect(ids(await memory.queue())).toEqual(['g2', 'd2']);
      expect(ids(await h.store.queue())).toEqual(ids(await memory.queue()));
    } finally {
      await h.close();
    }
  });
});
