import { describe, expect, it } from 'vitest';
import { type ConformanceContext, SEC } from './conformanceContext.js';

/** Heal: the time windows that end stale and lost starts and long waits. */
export function healRules(t: ConformanceContext): void {
  const { create, submit, row, invariants, limits } = t;
  describe('heal', () => {
    const heal = (lim = limits) =>
      t.store.heal({
        limits: lim,
        now: t.now,
        staleStartMs: 15 * SEC,
        lostStartMs: 60 * SEC,
        maxQueueMs: null,
      });

    it('cancels a starting job just after staleStartMs, not before', async () => {
      const { job } = await create();
      t.now += 15 * SEC;
      expect((await heal()).healed).toEqual([]);
      t.now += 1;
      const { healed } = await heal();
      expect(healed.map((j) => j.id)).toEqual([job.id]);
      expect(await row(job.id)).toMatchObject({ status: 'cancelled', errorCode: 'STALE_START' });
      await invariants();
    });

    it('fails a running job with no task after lostStartMs and promotes the queue head', async () => {
      const lost = await submit();
      for (const other of [await submit(), await submit()])
        await t.store.attachTask(other.id, `T-${other.id}`, t.now);
      const q = await submit();
      t.now += 60 * SEC + 1;
      const { healed, promoted } = await heal();
      expect(healed.map((j) => j.id)).toEqual([lost.id]);
      expect(await row(lost.id)).toMatchObject({ status: 'failed', errorCode: 'START_LOST' });
      expect(promoted.map((j) => j.id)).toEqual([q.id]);
      await invariants();
    });

    it('measures timeouts from the state they guard, not created_at', async () => {
      for (let i = 0; i < 3; i++) {
        const j = await submit();
        await t.store.attachTask(j.id, `T${i}`, t.now);
      }
      const q = await submit();
      t.now += 10 * 60 * SEC; // a long, real wait in the queue
      expect((await heal()).healed).toEqual([]);
      expect((await row(q.id))?.status).toBe('queued');
      const first = (await t.h.rows()).find((j) => j.status === 'running')!;
      await t.store.finish(first.id, { status: 'completed' }, { limits, now: t.now });
      expect((await row(q.id))?.status).toBe('running');
      t.now += 59 * SEC; // promoted 59 s ago, no task yet: not lost
      expect((await heal()).healed).toEqual([]);
    });

    it('fails a job queued longer than maxQueueMs when set', async () => {
      for (let i = 0; i < 3; i++) await submit();
      const q = await submit();
      t.now += 5 * SEC + 1;
      const { healed } = await t.store.heal({
        limits,
        now: t.now,
        staleStartMs: 15 * SEC,
        lostStartMs: 60 * SEC,
        maxQueueMs: 5 * SEC,
      });
      expect(healed.map((j) => j.id)).toEqual([q.id]);
      expect(await row(q.id)).toMatchObject({ status: 'failed', errorCode: 'TIMEOUT' });
    });

    it('heals a phantom queued row of the old app (no position, waited_in_queue=false)', async () => {
      const phantom = await create({ userCreditCost: 0 });
      const raw = (await row(phantom.job.id))!;
      await t.h.insertRow({ ...raw, status: 'queued', waitedInQueue: false, position: null });
      expect((await t.store.findActive(raw.userId))?.id).toBe(raw.id);
      t.now += 15 * SEC + 1;
      await heal();
      expect(await row(raw.id)).toMatchObject({ status: 'cancelled', errorCode: 'STALE_START' });
      expect(await t.store.findActive(raw.userId)).toBeNull();
      await invariants();
    });
  });
}
