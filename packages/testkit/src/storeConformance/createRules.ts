import type { JobGateError } from '@jobgate/core';
import { describe, expect, it } from 'vitest';
import { type ConformanceContext, SEC } from './conformanceContext.js';

/** Create: idempotency, the per-user active limit, refused requests. */
export function createRules(t: ConformanceContext): void {
  const { newJob, create, submit, row, invariants, expectCode, limits } = t;
  describe('create', () => {
    it('creates a starting job with every column set as documented', async () => {
      const input = newJob();
      const { job, created } = await t.store.create(input, { maxActivePerUser: 1, now: t.now });
      expect(created).toBe(true);
      const raw = await row(input.id);
      expect(raw).toMatchObject({
        id: input.id,
        tool: 'veste-ai',
        userId: input.userId,
        pool: 'default',
        status: 'starting',
        input: input.input,
        output: null,
        waitedInQueue: false,
        position: null,
        taskId: null,
        userCreditCost: 60,
        creditState: 'none',
        errorCode: null,
        errorMessage: null,
        attempts: 0,
        retryAt: null,
        queuedAt: null,
        startedAt: null,
        completedAt: null,
      });
      expect(Date.parse(raw!.createdAt)).toBe(t.now);
      expect(job).toEqual(raw);
    });

    it('is idempotent on the job id and changes nothing on a repeat', async () => {
      const input = newJob();
      await t.store.create(input, { maxActivePerUser: 1, now: t.now });
      const before = await row(input.id);
      t.now += 5 * SEC;
      const again = await t.store.create(input, { maxActivePerUser: 1, now: t.now });
      expect(again.created).toBe(false);
      expect(again.job).toEqual(before);
      expect(await row(input.id)).toEqual(before);
    });

    it('refuses an id used by another user or tool with CONFLICT', async () => {
      const input = newJob();
      await t.store.create(input, { maxActivePerUser: 1, now: t.now });
      await expectCode(
        t.store.create({ ...input, userId: 'intruder' }, { maxActivePerUser: 1, now: t.now }),
        'CONFLICT',
      );
      await expectCode(
        t.store.create({ ...input, tool: 'upscaler' }, { maxActivePerUser: 5, now: t.now }),
        'CONFLICT',
      );
      expect((await t.h.rows()).length).toBe(1);
    });

    it('refuses a second active job of the same user with ACTIVE_JOB_EXISTS naming the active job', async () => {
      const first = await submit({ userId: 'alice' });
      const error = await expectCode(create({ userId: 'alice' }), 'ACTIVE_JOB_EXISTS');
      expect(error.details?.activeJobId).toBe(first.id);
      expect((await t.h.rows()).filter((j) => j.userId === 'alice')).toHaveLength(1);
      // Another user is not affected; a higher limit allows more.
      expect((await create({ userId: 'bob' })).created).toBe(true);
      expect((await create({ userId: 'alice' }, 2)).created).toBe(true);
    });

    it('lets the user start again once the active job is terminal', async () => {
      const first = await submit({ userId: 'alice' });
      await t.store.finish(
        first.id,
        { status: 'completed', output: { ok: true } },
        { limits, now: t.now },
      );
      expect((await create({ userId: 'alice' })).created).toBe(true);
    });

    it('decides the per-user limit atomically: 20 concurrent creates, one wins', async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, () => create({ userId: 'double-clicker' })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected')
          expect((r.reason as JobGateError).code).toBe('ACTIVE_JOB_EXISTS');
      }
      expect((await t.h.rows()).filter((j) => j.userId === 'double-clicker')).toHaveLength(1);
    });

    it('records a refused request as a failed job, terminal from birth', async () => {
      const input = newJob();
      const { job, created } = await t.store.createFailed(
        input,
        { errorCode: 'VALIDATION', errorMessage: 'VALIDATION: bad input' },
        t.now,
      );
      expect(created).toBe(true);
      expect(job.status).toBe('failed');
      expect(await row(input.id)).toMatchObject({
        status: 'failed',
        errorCode: 'VALIDATION',
        errorMessage: 'VALIDATION: bad input',
        completedAt: new Date(t.now).toISOString(),
      });
      await invariants();
    });
  });
}
