import { describe, expect, it } from 'vitest';
import { testJobId } from '../storeHarness.js';
import { type ConformanceContext, SEC } from './conformanceContext.js';

/** A running job's task id and progress, and the requeue of a busy start. */
export function taskRules(t: ConformanceContext): void {
  const { submit, row, invariants, expectCode, limits } = t;
  describe('task, progress, requeue', () => {
    it('attaches a task id to a running job only', async () => {
      const a = await submit();
      expect((await t.store.attachTask(a.id, 'T1', t.now)).taskId).toBe('T1');
      expect((await row(a.id))?.taskId).toBe('T1');
      expect((await t.store.attachTask(a.id, 'T1', t.now)).taskId).toBe('T1');
      await expectCode(t.store.attachTask(a.id, 'T2', t.now), 'CONFLICT');
      for (let i = 0; i < 2; i++) await submit();
      const q = await submit();
      await expectCode(t.store.attachTask(q.id, 'T3', t.now), 'INVALID_TRANSITION');
      expect((await row(q.id))?.taskId).toBeNull();
      await expectCode(t.store.attachTask(testJobId(), 'T4', t.now), 'NOT_FOUND');
    });

    it('records progress within 0..1 on a running job', async () => {
      const a = await submit();
      t.now += SEC;
      await t.store.progress(a.id, 0.5, t.now);
      expect(await row(a.id)).toMatchObject({
        progress: 0.5,
        updatedAt: new Date(t.now).toISOString(),
      });
      await expectCode(t.store.progress(a.id, 1.5, t.now), 'VALIDATION');
      expect((await row(a.id))?.progress).toBe(0.5);
    });

    it('sends a busy job back to the head of the queue with backoff, and holds the line until then', async () => {
      const running = [await submit(), await submit()];
      const busy = await submit();
      t.now += SEC;
      const { job } = await t.store.requeue(busy.id, {
        limits,
        now: t.now,
        retryAt: t.now + 3 * SEC,
        errorCode: 'PROVIDER_BUSY',
        errorMessage: 'PROVIDER_BUSY: full',
      });
      expect(job).toMatchObject({
        status: 'queued',
        position: 1,
        waitedInQueue: true,
        attempts: 1,
        taskId: null,
      });
      expect(Date.parse(job.retryAt!)).toBe(t.now + 3 * SEC);
      // The provider is full: a new job queues behind it although a slot is free.
      const later = await submit();
      expect(later).toMatchObject({ status: 'queued', position: 2 });
      expect(await t.store.promote({ limits, now: t.now + 2 * SEC })).toEqual([]);
      const promoted = await t.store.promote({ limits, now: t.now + 3 * SEC });
      expect(promoted.map((j) => j.id)).toEqual([busy.id, later.id].slice(0, 3 - running.length));
      expect(await row(busy.id)).toMatchObject({ status: 'running', retryAt: null });
      t.now += 3 * SEC;
      await invariants();
    });

    it('requeues only a running job without a task', async () => {
      const a = await submit();
      await t.store.attachTask(a.id, 'T', t.now);
      const before = await row(a.id);
      await expectCode(
        t.store.requeue(a.id, {
          limits,
          now: t.now,
          retryAt: t.now,
          errorCode: 'PROVIDER_BUSY',
          errorMessage: 'PROVIDER_BUSY: x',
        }),
        'INVALID_TRANSITION',
      );
      expect(await row(a.id)).toEqual(before);
    });
  });
}
