import type { Job } from '@jobgate/core';
import type { NewJob } from '@jobgate/core/adapter';
import { describe, expect, it } from 'vitest';
import { testJobId } from '../storeHarness.js';
import { type ConformanceContext, limitsOf, SEC } from './conformanceContext.js';

/** Never stuck: old row shapes, start leases, refund claims, late results. */
export function neverStuckRules(t: ConformanceContext): void {
  const { create, submit, row, invariants, expectCode, limits } = t;
  describe('never stuck: old shapes, start leases, refund claims, late results', () => {
    const LEASE = 15 * SEC;
    const heal = (lim = limits) =>
      t.store.heal({
        limits: lim,
        now: t.now,
        staleStartMs: 15 * SEC,
        lostStartMs: 60 * SEC,
        maxQueueMs: null,
        leaseMs: LEASE,
      });
    /** A row of a given shape, written as is (an old app's row, or a crash's leftover). */
    const shape = async (fields: Partial<Job>, over: Partial<NewJob> = {}): Promise<Job> => {
      const { job } = await create({ userCreditCost: 0, ...over });
      const raw = { ...(await row(job.id))!, ...fields };
      await t.h.insertRow(raw);
      return raw;
    };
    const iso = (ms: number) => new Date(ms).toISOString();

    it('heals every old phantom shape on the next tick and gives their slots to the queue', async () => {
      // status × task id null × started_at null/old/recent × queued without a position. A
      // running row WITH a task is heal's (it asks the provider): see the runner's
      // test of old shapes.
      const shapes: Array<{ name: string; fields: Partial<Job>; ends: [string, string] | null }> = [
        {
          name: 'starting, 16 s old',
          fields: { createdAt: iso(t.now - 16 * SEC) },
          ends: ['cancelled', 'STALE_START'],
        },
        {
          name: 'queued, never in the queue',
          fields: { status: 'queued', createdAt: iso(t.now - 16 * SEC) },
          ends: ['cancelled', 'STALE_START'],
        },
        {
          name: 'queued, waited but no position',
          fields: {
            status: 'queued',
            waitedInQueue: true,
            queuedAt: iso(t.now - 16 * SEC),
            createdAt: iso(t.now - 16 * SEC),
          },
          ends: ['cancelled', 'STALE_START'],
        },
        {
          name: 'running, no task, started_at NULL (just written)',
          fields: { status: 'running', startedAt: null },
          ends: ['failed', 'START_LOST'],
        },
        {
          name: 'running, no task, started_at NULL, a day old',
          fields: { status: 'running', startedAt: null, createdAt: iso(t.now - 86_400 * SEC) },
          ends: ['failed', 'START_LOST'],
        },
        {
          name: 'running, no task, started 61 s ago',
          fields: { status: 'running', startedAt: iso(t.now - 61 * SEC) },
          ends: ['failed', 'START_LOST'],
        },
        {
          name: 'running, no task, lease ran out (started 16 s ago)',
          fields: { status: 'running', startedAt: iso(t.now - 16 * SEC) },
          ends: ['failed', 'START_LOST'],
        },
        {
          name: 'running, no task, started 5 s ago (a start in flight)',
          fields: { status: 'running', startedAt: iso(t.now - 5 * SEC) },
          ends: null,
        },
      ];
      const rows: Job[] = [];
      for (const s of shapes) rows.push(await shape(s.fields));
      // A queue behind them: a pool cap of 3 is taken by the three running rows that stay
      // or go; the queued job must get a freed slot in the same heal.
      const waiting = await submit({ userCreditCost: 0 }, limitsOf({ poolCaps: { default: 2 } }));
      expect(waiting.status).toBe('queued');
      const { healed, promoted } = await heal(limitsOf({ poolCaps: { default: 3 } }));
      const ended = new Map(healed.map((j) => [j.id, j]));
      for (const [i, s] of shapes.entries()) {
        const after = (await row(rows[i]!.id))!;
        if (s.ends === null) {
          expect(after.status, s.name).toBe(rows[i]!.status);
          expect(ended.has(after.id), s.name).toBe(false);
        } else {
          expect([after.status, after.errorCode], s.name).toEqual(s.ends);
          expect(after.completedAt, s.name).not.toBeNull();
          expect(ended.has(after.id), s.name).toBe(true);
          expect(await t.store.findActive(after.userId), s.name).toBeNull();
        }
      }
      // One running row stays (the start in flight): two slots left, one queued job.
      expect(promoted.map((j) => j.id)).toEqual([waiting.id]);
      await invariants(limitsOf({ poolCaps: { default: 3 } }));
    });

    it('keeps a renewed start lease, frees the slot once renewals stop', async () => {
      const a = await submit();
      const q = [await submit(), await submit(), await submit()];
      expect(q.map((j) => j.status)).toEqual(['running', 'running', 'queued']);
      for (const j of q.slice(0, 2)) await t.store.attachTask(j.id, `T-${j.id}`, t.now);
      // The owner renews every 5 s for 40 s: never lost.
      for (let renewal = 0; renewal < 8; renewal++) {
        t.now += 5 * SEC;
        expect(await t.store.renewLeases([a.id], t.now + LEASE, t.now)).toBe(1);
        expect((await heal()).healed).toEqual([]);
      }
      // The owner dies: 15 s after its last renewal the slot is freed, not before.
      t.now += LEASE;
      expect((await heal()).healed).toEqual([]);
      t.now += 1;
      const { healed, promoted } = await heal();
      expect(healed.map((j) => [j.id, j.errorCode])).toEqual([[a.id, 'START_LOST']]);
      expect(healed[0]!.errorMessage).toMatch(/lease/);
      expect(promoted.map((j) => j.id)).toEqual([q[2]!.id]);
      // Renewing a job that has a task or ended changes nothing.
      expect(await t.store.renewLeases([a.id, q[0]!.id], t.now + LEASE, t.now)).toBe(0);
      await invariants();
    });

    it('a renewal left from an earlier attempt does not shorten a new one', async () => {
      const a = await submit();
      await t.store.renewLeases([a.id], t.now + LEASE, t.now);
      await t.store.requeue(a.id, {
        limits,
        now: t.now,
        retryAt: t.now + 30 * SEC,
        errorCode: 'PROVIDER_BUSY',
        errorMessage: 'PROVIDER_BUSY: full',
      });
      t.now += 30 * SEC;
      const [again] = await t.store.promote({ limits, now: t.now });
      expect(again?.id).toBe(a.id);
      t.now += 10 * SEC; // 10 s into the new attempt: its own lease still holds
      expect((await heal()).healed).toEqual([]);
      await t.store.attachTask(a.id, 'T-a', t.now);
      // The task is there: the busy answer is no longer the job's state.
      expect(await row(a.id)).toMatchObject({
        status: 'running',
        taskId: 'T-a',
        errorCode: null,
        errorMessage: null,
        retryAt: null,
      });
    });

    it('claims a refund once: of 10 concurrent claims one wins, a dead claim is taken over later', async () => {
      const a = await submit();
      await t.store.setCreditState(a.id, 'none', 'charged', t.now);
      // A running job's refund cannot be claimed.
      expect(await t.store.claimRefund(a.id, t.now, 60 * SEC)).toBeNull();
      await t.store.finish(
        a.id,
        { status: 'failed', errorCode: 'INTERNAL', errorMessage: 'INTERNAL: x' },
        { limits, now: t.now },
      );
      const claims = await Promise.all(
        Array.from({ length: 10 }, () => t.store.claimRefund(a.id, t.now, 60 * SEC)),
      );
      expect(claims.filter((c) => c !== null)).toHaveLength(1);
      expect(claims.find((c) => c !== null)?.creditState).toBe('refunding');
      expect((await row(a.id))?.creditState).toBe('refunding');
      expect(await t.store.list({ creditState: 'refunding' })).toHaveLength(1);
      t.now += 60 * SEC;
      expect(await t.store.claimRefund(a.id, t.now, 60 * SEC)).toBeNull();
      t.now += 1;
      expect((await t.store.claimRefund(a.id, t.now, 60 * SEC))?.id).toBe(a.id);
      expect(await t.store.setCreditState(a.id, 'refunding', 'refunded', t.now)).toBe(true);
      t.now += 120 * SEC;
      expect(await t.store.claimRefund(a.id, t.now, 60 * SEC)).toBeNull();
      await expectCode(t.store.claimRefund(testJobId(), t.now, 1), 'NOT_FOUND');
    });

    it('keeps a late result of a job ended as TIMEOUT, START_LOST or TASK_LOST, and nothing else', async () => {
      const lost = await submit();
      const done = await submit();
      t.now += 61 * SEC;
      await t.store.attachTask(done.id, 'T-done', t.now);
      await heal();
      expect((await row(lost.id))?.errorCode).toBe('START_LOST');
      const kept = await t.store.recordLateOutput(
        lost.id,
        { taskId: 'T-late', output: { url: 'https://cdn.example/out.png' } },
        t.now,
      );
      expect(kept.changed).toBe(true);
      expect(await row(lost.id)).toMatchObject({
        status: 'failed',
        errorCode: 'START_LOST',
        taskId: 'T-late',
        output: { url: 'https://cdn.example/out.png' },
      });
      const twice = await t.store.recordLateOutput(lost.id, { taskId: 'T-late', output: 1 }, t.now);
      expect(twice.changed).toBe(false);
      // A running job, or one the user cancelled, is not changed this way.
      expect(
        (await t.store.recordLateOutput(done.id, { taskId: 'T-done', output: 1 }, t.now)).changed,
      ).toBe(false);
      await t.store.finish(
        done.id,
        {
          status: 'cancelled',
          errorCode: 'CANCELLED_BY_USER',
          errorMessage: 'CANCELLED_BY_USER: x',
        },
        { limits, now: t.now },
      );
      expect(
        (await t.store.recordLateOutput(done.id, { taskId: 'T-done', output: 1 }, t.now)).changed,
      ).toBe(false);
      expect((await row(done.id))?.output).toBeNull();
    });
  });
}
