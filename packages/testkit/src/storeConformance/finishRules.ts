import { describe, expect, it } from 'vitest';
import { testJobId } from '../storeHarness.js';
import { type ConformanceContext, SEC } from './conformanceContext.js';

/** Finish: terminal, release and promote in one compare-and-set step. */
export function finishRules(t: ConformanceContext): void {
  const { submit, row, invariants, expectCode, limits } = t;
  describe('finish: terminal, release, promote in one step', () => {
    it('completes a running job and promotes the queue head at once (I3)', async () => {
      const running = [await submit(), await submit(), await submit()];
      t.now += SEC;
      const q1 = await submit();
      t.now += SEC;
      const q2 = await submit();
      t.now += SEC;
      const result = await t.store.finish(
        running[0]!.id,
        { status: 'completed', output: { url: 'x' } },
        { limits, now: t.now },
      );
      expect(result.changed).toBe(true);
      expect(result.job).toMatchObject({
        status: 'completed',
        output: { url: 'x' },
        errorCode: null,
      });
      expect(Date.parse(result.job.completedAt!)).toBe(t.now);
      expect(result.promoted.map((j) => j.id)).toEqual([q1.id]);
      expect(await row(q1.id)).toMatchObject({
        status: 'running',
        position: null,
        waitedInQueue: true,
      });
      expect(await row(q2.id)).toMatchObject({ status: 'queued', position: 1 });
      await invariants();
    });

    it('fails and cancels with code and "CODE: text" message', async () => {
      const a = await submit();
      const r = await t.store.finish(
        a.id,
        { status: 'failed', errorCode: 'PROVIDER_ERROR', errorMessage: 'PROVIDER_ERROR: boom' },
        { limits, now: t.now },
      );
      expect(r.job).toMatchObject({
        status: 'failed',
        errorCode: 'PROVIDER_ERROR',
        errorMessage: 'PROVIDER_ERROR: boom',
      });
      await invariants();
    });

    it('is a compare-and-set: a wrong `from` or a terminal job changes nothing', async () => {
      const a = await submit();
      const before = await row(a.id);
      const miss = await t.store.finish(
        a.id,
        {
          status: 'cancelled',
          errorCode: 'CANCELLED_BY_USER',
          errorMessage: 'CANCELLED_BY_USER: x',
        },
        { limits, now: t.now, from: ['queued'] },
      );
      expect(miss.changed).toBe(false);
      expect(await row(a.id)).toEqual(before);
      await t.store.finish(a.id, { status: 'completed' }, { limits, now: t.now });
      const done = await row(a.id);
      const again = await t.store.finish(
        a.id,
        { status: 'failed', errorCode: 'INTERNAL', errorMessage: 'INTERNAL: late' },
        { limits, now: t.now + SEC },
      );
      expect(again).toMatchObject({ changed: false, promoted: [] });
      expect(await row(a.id)).toEqual(done);
    });

    it('refuses an illegal transition (a queued job cannot complete)', async () => {
      for (let i = 0; i < 3; i++) await submit();
      const q = await submit();
      const before = await t.h.rows();
      await expectCode(
        t.store.finish(q.id, { status: 'completed' }, { limits, now: t.now }),
        'INVALID_TRANSITION',
      );
      expect(await t.h.rows()).toEqual(before);
    });

    it('renumbers the queue when a queued job leaves it', async () => {
      for (let i = 0; i < 3; i++) await submit();
      const q = [await submit(), await submit(), await submit()];
      await t.store.finish(
        q[1]!.id,
        {
          status: 'cancelled',
          errorCode: 'CANCELLED_BY_USER',
          errorMessage: 'CANCELLED_BY_USER: x',
        },
        { limits, now: t.now },
      );
      expect((await row(q[0]!.id))?.position).toBe(1);
      expect((await row(q[2]!.id))?.position).toBe(2);
      expect((await row(q[1]!.id))?.position).toBeNull();
      await invariants();
    });

    it('gives NOT_FOUND for an unknown job', async () => {
      await expectCode(
        t.store.finish(testJobId(), { status: 'completed' }, { limits, now: t.now }),
        'NOT_FOUND',
      );
    });
  });
}
