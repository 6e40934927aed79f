import type { Job } from '@jobgate/core';
import { describe, expect, it } from 'vitest';
import { testJobId } from '../storeHarness.js';
import { type ConformanceContext, limitsOf, SEC } from './conformanceContext.js';

/** Start: the slot decision under pool, tool and per-user caps. */
export function slotRules(t: ConformanceContext): void {
  const { newJob, submit, row, invariants, expectCode, limits } = t;
  describe('start: the slot decision', () => {
    it('create with start: created and placed in one step (running while there is room, then queued)', async () => {
      const placed = [];
      for (let i = 0; i < 4; i++) {
        const input = newJob();
        const r = await t.store.create(input, { maxActivePerUser: 1, now: t.now, start: limits });
        expect(r).toMatchObject({ created: true, promoted: [] });
        placed.push(r.job);
      }
      expect(placed.map((j) => j.status)).toEqual(['running', 'running', 'running', 'queued']);
      expect(placed[3]).toMatchObject({ waitedInQueue: true, position: 1 });
      expect(placed[3]).toEqual(await row(placed[3]!.id));
      // A repeat of the same id changes nothing and starts nothing.
      const again = await t.store.create(
        { ...newJob(), id: placed[3]!.id, userId: placed[3]!.userId },
        { maxActivePerUser: 1, now: t.now, start: limits },
      );
      expect(again.created).toBe(false);
      expect(again.job).toEqual(placed[3]);
      await invariants();
    });

    it('runs jobs while the cap has room, summed over all tools', async () => {
      const a = await submit({ tool: 'upscaler' });
      const b = await submit({ tool: 'pose-changer' });
      const c = await submit({ tool: 'video-upscaler' });
      for (const j of [a, b, c]) {
        expect(j.status).toBe('running');
        expect(j.waitedInQueue).toBe(false);
        expect(Date.parse(j.startedAt!)).toBe(t.now);
      }
      const d = await submit({ tool: 'veste-ai' });
      expect(d).toMatchObject({ status: 'queued', waitedInQueue: true, position: 1 });
      expect(Date.parse(d.queuedAt!)).toBe(t.now);
      expect(await row(d.id)).toEqual(d);
      await invariants();
    });

    it('numbers the queue 1..n in FIFO order', async () => {
      for (let i = 0; i < 3; i++) await submit();
      const queued: Job[] = [];
      for (let i = 0; i < 4; i++) {
        t.now += SEC;
        queued.push(await submit());
      }
      expect(queued.map((j) => j.position)).toEqual([1, 2, 3, 4]);
      const q = await t.store.queue('default');
      expect(q.map((j) => j.id)).toEqual(queued.map((j) => j.id));
      expect(await t.store.counts('default')).toEqual({ running: 3, queued: 4 });
      await invariants();
    });

    it('only starts a starting job (INVALID_TRANSITION otherwise, row unchanged)', async () => {
      const job = await submit();
      const before = await row(job.id);
      await expectCode(t.store.start(job.id, { limits, now: t.now + SEC }), 'INVALID_TRANSITION');
      expect(await row(job.id)).toEqual(before);
      await expectCode(t.store.start(testJobId(), { limits, now: t.now }), 'NOT_FOUND');
    });

    it('holds the cap under 30 concurrent submits', async () => {
      const jobs = await Promise.all(Array.from({ length: 30 }, () => submit()));
      expect(jobs.filter((j) => j.status === 'running')).toHaveLength(3);
      expect(
        jobs
          .filter((j) => j.status === 'queued')
          .map((j) => j.position)
          .sort((x, y) => x! - y!),
      ).toEqual(Array.from({ length: 27 }, (_, i) => i + 1));
      await invariants();
    });

    it('applies per-tool caps without idling slots for other tools', async () => {
      const lim = limitsOf({ toolCaps: { 'video-upscaler': 1 } });
      const v1 = await submit({ tool: 'video-upscaler' }, lim);
      const v2 = await submit({ tool: 'video-upscaler' }, lim);
      const img = await submit({ tool: 'upscaler' }, lim);
      expect([v1.status, v2.status, img.status]).toEqual(['running', 'queued', 'running']);
      await invariants(lim);
      const { promoted } = await t.store.finish(
        v1.id,
        { status: 'completed' },
        { limits: lim, now: t.now },
      );
      expect(promoted.map((j) => j.id)).toEqual([v2.id]);
      await invariants(lim);
    });

    it('applies a per-user running cap', async () => {
      const lim = limitsOf({ maxRunningPerUser: 1 });
      const a = await t.store.create(newJob({ userId: 'u1' }), { maxActivePerUser: 3, now: t.now });
      const b = await t.store.create(newJob({ userId: 'u1' }), { maxActivePerUser: 3, now: t.now });
      expect((await t.store.start(a.job.id, { limits: lim, now: t.now })).job.status).toBe(
        'running',
      );
      expect((await t.store.start(b.job.id, { limits: lim, now: t.now })).job.status).toBe(
        'queued',
      );
      await invariants(lim);
    });

    it('keeps named pools apart', async () => {
      const lim = limitsOf({ poolCaps: { default: 3, gpu2: 1 } });
      const a = await submit({ pool: 'gpu2' }, lim);
      const b = await submit({ pool: 'gpu2' }, lim);
      const c = await submit({ pool: 'default' }, lim);
      expect([a.status, b.status, c.status]).toEqual(['running', 'queued', 'running']);
      expect(b.position).toBe(1);
      expect(await t.store.counts('gpu2')).toEqual({ running: 1, queued: 1 });
      await invariants(lim);
    });
  });
}
