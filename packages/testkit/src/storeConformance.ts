import { type Job, JobGateError, type JobStore, type NewJob, type SlotLimits } from '@jobgate/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { checkInvariants } from './checkInvariants.js';
import { type StoreFactory, type StoreHarness, testJobId } from './storeHarness.js';

const T0 = Date.UTC(2026, 0, 1, 12);
const SEC = 1_000;

export function limitsOf(over: Partial<SlotLimits> = {}): SlotLimits {
  return {
    poolCaps: { default: 3 },
    defaultPoolCap: 3,
    toolCaps: {},
    maxRunningPerUser: null,
    ...over,
  };
}

/**
 * The store conformance suite: every rule of the lifecycle and the invariants I1–I4, run
 * against any JobStore. State is checked through `harness.rows()`, an independent read,
 * not by the store reading back its own writes.
 */
export function describeStoreConformance(name: string, factory: StoreFactory): void {
  describe(`JobStore conformance: ${name}`, () => {
    let h: StoreHarness;
    let store: JobStore;
    let now = T0;
    const limits = limitsOf();

    beforeAll(async () => {
      h = await factory();
    });
    afterAll(async () => {
      await h?.close();
    });
    beforeEach(async () => {
      await h.reset();
      store = h.store;
      now = T0;
    });

    const newJob = (over: Partial<NewJob> = {}): NewJob => ({
      id: testJobId(),
      tool: 'veste-ai',
      userId: `user-${testJobId().slice(-6)}`,
      pool: 'default',
      input: { person: 'a.webp', clothing: 'b.webp' },
      userCreditCost: 60,
      ...over,
    });
    const create = (over: Partial<NewJob> = {}, maxActivePerUser = 1) =>
      store.create(newJob(over), { maxActivePerUser, now });
    const submit = async (over: Partial<NewJob> = {}, lim = limits) => {
      const { job } = await create(over);
      return (await store.start(job.id, { limits: lim, now })).job;
    };
    const row = async (id: string) => (await h.rows()).find((j) => j.id === id);
    const invariants = async (lim = limits) =>
      expect(checkInvariants(await h.rows(), lim, now)).toEqual([]);
    const expectCode = async (promise: Promise<unknown>, code: string) => {
      const error = await promise.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(JobGateError);
      expect((error as JobGateError).code).toBe(code);
      return error as JobGateError;
    };

    describe('create', () => {
      it('creates a starting job with every column set as documented', async () => {
        const input = newJob();
        const { job, created } = await store.create(input, { maxActivePerUser: 1, now });
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
        expect(Date.parse(raw!.createdAt)).toBe(now);
        expect(job).toEqual(raw);
      });

      it('is idempotent on the job id and changes nothing on a repeat', async () => {
        const input = newJob();
        await store.create(input, { maxActivePerUser: 1, now });
        const before = await row(input.id);
        now += 5 * SEC;
        const again = await store.create(input, { maxActivePerUser: 1, now });
        expect(again.created).toBe(false);
        expect(again.job).toEqual(before);
        expect(await row(input.id)).toEqual(before);
      });

      it('refuses an id used by another user or tool with CONFLICT', async () => {
        const input = newJob();
        await store.create(input, { maxActivePerUser: 1, now });
        await expectCode(
          store.create({ ...input, userId: 'intruder' }, { maxActivePerUser: 1, now }),
          'CONFLICT',
        );
        await expectCode(
          store.create({ ...input, tool: 'upscaler' }, { maxActivePerUser: 5, now }),
          'CONFLICT',
        );
        expect((await h.rows()).length).toBe(1);
      });

      it('refuses a second active job of the same user with ACTIVE_JOB_EXISTS naming the active job', async () => {
        const first = await submit({ userId: 'alice' });
        const error = await expectCode(create({ userId: 'alice' }), 'ACTIVE_JOB_EXISTS');
        expect(error.details?.activeJobId).toBe(first.id);
        expect((await h.rows()).filter((j) => j.userId === 'alice')).toHaveLength(1);
        // Another user is not affected; a higher limit allows more.
        expect((await create({ userId: 'bob' })).created).toBe(true);
        expect((await create({ userId: 'alice' }, 2)).created).toBe(true);
      });

      it('lets the user start again once the active job is terminal', async () => {
        const first = await submit({ userId: 'alice' });
        await store.finish(
          first.id,
          { status: 'completed', output: { ok: true } },
          { limits, now },
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
        expect((await h.rows()).filter((j) => j.userId === 'double-clicker')).toHaveLength(1);
      });

      it('records a refused request as a failed job, terminal from birth', async () => {
        const input = newJob();
        const { job, created } = await store.createFailed(
          input,
          { errorCode: 'VALIDATION', errorMessage: 'VALIDATION: bad input' },
          now,
        );
        expect(created).toBe(true);
        expect(job.status).toBe('failed');
        expect(await row(input.id)).toMatchObject({
          status: 'failed',
          errorCode: 'VALIDATION',
          errorMessage: 'VALIDATION: bad input',
          completedAt: new Date(now).toISOString(),
        });
        await invariants();
      });
    });

    describe('start: the slot decision', () => {
      it('create with start: created and placed in one step (running while there is room, then queued)', async () => {
        const placed = [];
        for (let i = 0; i < 4; i++) {
          const input = newJob();
          const r = await store.create(input, { maxActivePerUser: 1, now, start: limits });
          expect(r).toMatchObject({ created: true, promoted: [] });
          placed.push(r.job);
        }
        expect(placed.map((j) => j.status)).toEqual(['running', 'running', 'running', 'queued']);
        expect(placed[3]).toMatchObject({ waitedInQueue: true, position: 1 });
        expect(placed[3]).toEqual(await row(placed[3]!.id));
        // A repeat of the same id changes nothing and starts nothing.
        const again = await store.create(
          { ...newJob(), id: placed[3]!.id, userId: placed[3]!.userId },
          { maxActivePerUser: 1, now, start: limits },
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
          expect(Date.parse(j.startedAt!)).toBe(now);
        }
        const d = await submit({ tool: 'veste-ai' });
        expect(d).toMatchObject({ status: 'queued', waitedInQueue: true, position: 1 });
        expect(Date.parse(d.queuedAt!)).toBe(now);
        expect(await row(d.id)).toEqual(d);
        await invariants();
      });

      it('numbers the queue 1..n in FIFO order', async () => {
        for (let i = 0; i < 3; i++) await submit();
        const queued: Job[] = [];
        for (let i = 0; i < 4; i++) {
          now += SEC;
          queued.push(await submit());
        }
        expect(queued.map((j) => j.position)).toEqual([1, 2, 3, 4]);
        const q = await store.queue('default');
        expect(q.map((j) => j.id)).toEqual(queued.map((j) => j.id));
        expect(await store.counts('default')).toEqual({ running: 3, queued: 4 });
        await invariants();
      });

      it('only starts a starting job (INVALID_TRANSITION otherwise, row unchanged)', async () => {
        const job = await submit();
        const before = await row(job.id);
        await expectCode(store.start(job.id, { limits, now: now + SEC }), 'INVALID_TRANSITION');
        expect(await row(job.id)).toEqual(before);
        await expectCode(store.start(testJobId(), { limits, now }), 'NOT_FOUND');
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
        const { promoted } = await store.finish(
          v1.id,
          { status: 'completed' },
          { limits: lim, now },
        );
        expect(promoted.map((j) => j.id)).toEqual([v2.id]);
        await invariants(lim);
      });

      it('applies a per-user running cap', async () => {
        const lim = limitsOf({ maxRunningPerUser: 1 });
        const a = await store.create(newJob({ userId: 'u1' }), { maxActivePerUser: 3, now });
        const b = await store.create(newJob({ userId: 'u1' }), { maxActivePerUser: 3, now });
        expect((await store.start(a.job.id, { limits: lim, now })).job.status).toBe('running');
        expect((await store.start(b.job.id, { limits: lim, now })).job.status).toBe('queued');
        await invariants(lim);
      });

      it('keeps named pools apart', async () => {
        const lim = limitsOf({ poolCaps: { default: 3, gpu2: 1 } });
        const a = await submit({ pool: 'gpu2' }, lim);
        const b = await submit({ pool: 'gpu2' }, lim);
        const c = await submit({ pool: 'default' }, lim);
        expect([a.status, b.status, c.status]).toEqual(['running', 'queued', 'running']);
        expect(b.position).toBe(1);
        expect(await store.counts('gpu2')).toEqual({ running: 1, queued: 1 });
        await invariants(lim);
      });
    });

    describe('finish: terminal, release, promote in one step', () => {
      it('completes a running job and promotes the queue head at once (I3)', async () => {
        const running = [await submit(), await submit(), await submit()];
        now += SEC;
        const q1 = await submit();
        now += SEC;
        const q2 = await submit();
        now += SEC;
        const result = await store.finish(
          running[0]!.id,
          { status: 'completed', output: { url: 'x' } },
          { limits, now },
        );
        expect(result.changed).toBe(true);
        expect(result.job).toMatchObject({
          status: 'completed',
          output: { url: 'x' },
          errorCode: null,
        });
        expect(Date.parse(result.job.completedAt!)).toBe(now);
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
        const r = await store.finish(
          a.id,
          { status: 'failed', errorCode: 'PROVIDER_ERROR', errorMessage: 'PROVIDER_ERROR: boom' },
          { limits, now },
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
        const miss = await store.finish(
          a.id,
          {
            status: 'cancelled',
            errorCode: 'CANCELLED_BY_USER',
            errorMessage: 'CANCELLED_BY_USER: x',
          },
          { limits, now, from: ['queued'] },
        );
        expect(miss.changed).toBe(false);
        expect(await row(a.id)).toEqual(before);
        await store.finish(a.id, { status: 'completed' }, { limits, now });
        const done = await row(a.id);
        const again = await store.finish(
          a.id,
          { status: 'failed', errorCode: 'INTERNAL', errorMessage: 'INTERNAL: late' },
          { limits, now: now + SEC },
        );
        expect(again).toMatchObject({ changed: false, promoted: [] });
        expect(await row(a.id)).toEqual(done);
      });

      it('refuses an illegal transition (a queued job cannot complete)', async () => {
        for (let i = 0; i < 3; i++) await submit();
        const q = await submit();
        const before = await h.rows();
        await expectCode(
          store.finish(q.id, { status: 'completed' }, { limits, now }),
          'INVALID_TRANSITION',
        );
        expect(await h.rows()).toEqual(before);
      });

      it('renumbers the queue when a queued job leaves it', async () => {
        for (let i = 0; i < 3; i++) await submit();
        const q = [await submit(), await submit(), await submit()];
        await store.finish(
          q[1]!.id,
          {
            status: 'cancelled',
            errorCode: 'CANCELLED_BY_USER',
            errorMessage: 'CANCELLED_BY_USER: x',
          },
          { limits, now },
        );
        expect((await row(q[0]!.id))?.position).toBe(1);
        expect((await row(q[2]!.id))?.position).toBe(2);
        expect((await row(q[1]!.id))?.position).toBeNull();
        await invariants();
      });

      it('gives NOT_FOUND for an unknown job', async () => {
        await expectCode(
          store.finish(testJobId(), { status: 'completed' }, { limits, now }),
          'NOT_FOUND',
        );
      });
    });

    describe('task, progress, requeue', () => {
      it('attaches a task id to a running job only', async () => {
        const a = await submit();
        expect((await store.attachTask(a.id, 'T1', now)).taskId).toBe('T1');
        expect((await row(a.id))?.taskId).toBe('T1');
        expect((await store.attachTask(a.id, 'T1', now)).taskId).toBe('T1');
        await expectCode(store.attachTask(a.id, 'T2', now), 'CONFLICT');
        for (let i = 0; i < 2; i++) await submit();
        const q = await submit();
        await expectCode(store.attachTask(q.id, 'T3', now), 'INVALID_TRANSITION');
        expect((await row(q.id))?.taskId).toBeNull();
        await expectCode(store.attachTask(testJobId(), 'T4', now), 'NOT_FOUND');
      });

      it('records progress within 0..1 on a running job', async () => {
        const a = await submit();
        now += SEC;
        await store.progress(a.id, 0.5, now);
        expect(await row(a.id)).toMatchObject({
          progress: 0.5,
          updatedAt: new Date(now).toISOString(),
        });
        await expectCode(store.progress(a.id, 1.5, now), 'VALIDATION');
        expect((await row(a.id))?.progress).toBe(0.5);
      });

      it('sends a busy job back to the head of the queue with backoff, and holds the line until then', async () => {
        const running = [await submit(), await submit()];
        const busy = await submit();
        now += SEC;
        const { job } = await store.requeue(busy.id, {
          limits,
          now,
          retryAt: now + 3 * SEC,
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
        expect(Date.parse(job.retryAt!)).toBe(now + 3 * SEC);
        // The provider is full: a new job queues behind it although a slot is free.
        const later = await submit();
        expect(later).toMatchObject({ status: 'queued', position: 2 });
        expect(await store.promote({ limits, now: now + 2 * SEC })).toEqual([]);
        const promoted = await store.promote({ limits, now: now + 3 * SEC });
        expect(promoted.map((j) => j.id)).toEqual([busy.id, later.id].slice(0, 3 - running.length));
        expect(await row(busy.id)).toMatchObject({ status: 'running', retryAt: null });
        now += 3 * SEC;
        await invariants();
      });

      it('requeues only a running job without a task', async () => {
        const a = await submit();
        await store.attachTask(a.id, 'T', now);
        const before = await row(a.id);
        await expectCode(
          store.requeue(a.id, {
            limits,
            now,
            retryAt: now,
            errorCode: 'PROVIDER_BUSY',
            errorMessage: 'PROVIDER_BUSY: x',
          }),
          'INVALID_TRANSITION',
        );
        expect(await row(a.id)).toEqual(before);
      });
    });

    describe('heal', () => {
      const heal = (lim = limits) =>
        store.heal({
          limits: lim,
          now,
          staleStartMs: 15 * SEC,
          lostStartMs: 60 * SEC,
          maxQueueMs: null,
        });

      it('cancels a starting job just after staleStartMs, not before', async () => {
        const { job } = await create();
        now += 15 * SEC;
        expect((await heal()).healed).toEqual([]);
        now += 1;
        const { healed } = await heal();
        expect(healed.map((j) => j.id)).toEqual([job.id]);
        expect(await row(job.id)).toMatchObject({ status: 'cancelled', errorCode: 'STALE_START' });
        await invariants();
      });

      it('fails a running job with no task after lostStartMs and promotes the queue head', async () => {
        const lost = await submit();
        for (const other of [await submit(), await submit()])
          await store.attachTask(other.id, `T-${other.id}`, now);
        const q = await submit();
        now += 60 * SEC + 1;
        const { healed, promoted } = await heal();
        expect(healed.map((j) => j.id)).toEqual([lost.id]);
        expect(await row(lost.id)).toMatchObject({ status: 'failed', errorCode: 'START_LOST' });
        expect(promoted.map((j) => j.id)).toEqual([q.id]);
        await invariants();
      });

      it('measures timeouts from the state they guard, not created_at', async () => {
        for (let i = 0; i < 3; i++) {
          const j = await submit();
          await store.attachTask(j.id, `T${i}`, now);
        }
        const q = await submit();
        now += 10 * 60 * SEC; // a long, real wait in the queue
        expect((await heal()).healed).toEqual([]);
        expect((await row(q.id))?.status).toBe('queued');
        const first = (await h.rows()).find((j) => j.status === 'running')!;
        await store.finish(first.id, { status: 'completed' }, { limits, now });
        expect((await row(q.id))?.status).toBe('running');
        now += 59 * SEC; // promoted 59 s ago, no task yet: not lost
        expect((await heal()).healed).toEqual([]);
      });

      it('fails a job queued longer than maxQueueMs when set', async () => {
        for (let i = 0; i < 3; i++) await submit();
        const q = await submit();
        now += 5 * SEC + 1;
        const { healed } = await store.heal({
          limits,
          now,
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
        await h.insertRow({ ...raw, status: 'queued', waitedInQueue: false, position: null });
        expect((await store.findActive(raw.userId))?.id).toBe(raw.id);
        now += 15 * SEC + 1;
        await heal();
        expect(await row(raw.id)).toMatchObject({ status: 'cancelled', errorCode: 'STALE_START' });
        expect(await store.findActive(raw.userId)).toBeNull();
        await invariants();
      });
    });

    describe('never stuck: old shapes, start leases, refund claims, late results', () => {
      const LEASE = 15 * SEC;
      const heal = (lim = limits) =>
        store.heal({
          limits: lim,
          now,
          staleStartMs: 15 * SEC,
          lostStartMs: 60 * SEC,
          maxQueueMs: null,
          leaseMs: LEASE,
        });
      /** A row of a given shape, written as is (an old app's row, or a crash's leftover). */
      const shape = async (fields: Partial<Job>, over: Partial<NewJob> = {}): Promise<Job> => {
        const { job } = await create({ userCreditCost: 0, ...over });
        const raw = { ...(await row(job.id))!, ...fields };
        await h.insertRow(raw);
        return raw;
      };
      const iso = (ms: number) => new Date(ms).toISOString();

      it('heals every old phantom shape on the next tick and gives their slots to the queue', async () => {
        // status × task id null × started_at null/old/recent × queued without a position. A
        // running row WITH a task is the watchdog's (it asks the provider): see the runner's
        // test of old shapes.
        const shapes: Array<{ name: string; fields: Partial<Job>; ends: [string, string] | null }> =
          [
            {
              name: 'starting, 16 s old',
              fields: { createdAt: iso(now - 16 * SEC) },
              ends: ['cancelled', 'STALE_START'],
            },
            {
              name: 'queued, never in the queue',
              fields: { status: 'queued', createdAt: iso(now - 16 * SEC) },
              ends: ['cancelled', 'STALE_START'],
            },
            {
              name: 'queued, waited but no position',
              fields: {
                status: 'queued',
                waitedInQueue: true,
                queuedAt: iso(now - 16 * SEC),
                createdAt: iso(now - 16 * SEC),
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
              fields: { status: 'running', startedAt: null, createdAt: iso(now - 86_400 * SEC) },
              ends: ['failed', 'START_LOST'],
            },
            {
              name: 'running, no task, started 61 s ago',
              fields: { status: 'running', startedAt: iso(now - 61 * SEC) },
              ends: ['failed', 'START_LOST'],
            },
            {
              name: 'running, no task, lease ran out (started 16 s ago)',
              fields: { status: 'running', startedAt: iso(now - 16 * SEC) },
              ends: ['failed', 'START_LOST'],
            },
            {
              name: 'running, no task, started 5 s ago (a start in flight)',
              fields: { status: 'running', startedAt: iso(now - 5 * SEC) },
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
            expect(await store.findActive(after.userId), s.name).toBeNull();
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
        for (const j of q.slice(0, 2)) await store.attachTask(j.id, `T-${j.id}`, now);
        // The owner renews every 5 s for 40 s: never lost.
        for (let t = 0; t < 8; t++) {
          now += 5 * SEC;
          expect(await store.renewLeases([a.id], now + LEASE, now)).toBe(1);
          expect((await heal()).healed).toEqual([]);
        }
        // The owner dies: 15 s after its last renewal the slot is freed, not before.
        now += LEASE;
        expect((await heal()).healed).toEqual([]);
        now += 1;
        const { healed, promoted } = await heal();
        expect(healed.map((j) => [j.id, j.errorCode])).toEqual([[a.id, 'START_LOST']]);
        expect(healed[0]!.errorMessage).toMatch(/lease/);
        expect(promoted.map((j) => j.id)).toEqual([q[2]!.id]);
        // Renewing a job that has a task or ended changes nothing.
        expect(await store.renewLeases([a.id, q[0]!.id], now + LEASE, now)).toBe(0);
        await invariants();
      });

      it('a renewal left from an earlier attempt does not shorten a new one', async () => {
        const a = await submit();
        await store.renewLeases([a.id], now + LEASE, now);
        await store.requeue(a.id, {
          limits,
          now,
          retryAt: now + 30 * SEC,
          errorCode: 'PROVIDER_BUSY',
          errorMessage: 'PROVIDER_BUSY: full',
        });
        now += 30 * SEC;
        const [again] = await store.promote({ limits, now });
        expect(again?.id).toBe(a.id);
        now += 10 * SEC; // 10 s into the new attempt: its own lease still holds
        expect((await heal()).healed).toEqual([]);
        await store.attachTask(a.id, 'T-a', now);
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
        await store.setCreditState(a.id, 'none', 'charged', now);
        // A running job's refund cannot be claimed.
        expect(await store.claimRefund(a.id, now, 60 * SEC)).toBeNull();
        await store.finish(
          a.id,
          { status: 'failed', errorCode: 'INTERNAL', errorMessage: 'INTERNAL: x' },
          { limits, now },
        );
        const claims = await Promise.all(
          Array.from({ length: 10 }, () => store.claimRefund(a.id, now, 60 * SEC)),
        );
        expect(claims.filter((c) => c !== null)).toHaveLength(1);
        expect(claims.find((c) => c !== null)?.creditState).toBe('refunding');
        expect((await row(a.id))?.creditState).toBe('refunding');
        expect(await store.list({ creditState: 'refunding' })).toHaveLength(1);
        now += 60 * SEC;
        expect(await store.claimRefund(a.id, now, 60 * SEC)).toBeNull();
        now += 1;
        expect((await store.claimRefund(a.id, now, 60 * SEC))?.id).toBe(a.id);
        expect(await store.setCreditState(a.id, 'refunding', 'refunded', now)).toBe(true);
        now += 120 * SEC;
        expect(await store.claimRefund(a.id, now, 60 * SEC)).toBeNull();
        await expectCode(store.claimRefund(testJobId(), now, 1), 'NOT_FOUND');
      });

      it('keeps a late result of a job ended as TIMEOUT, START_LOST or TASK_LOST, and nothing else', async () => {
        const lost = await submit();
        const done = await submit();
        now += 61 * SEC;
        await store.attachTask(done.id, 'T-done', now);
        await heal();
        expect((await row(lost.id))?.errorCode).toBe('START_LOST');
        const kept = await store.recordLateOutput(
          lost.id,
          { taskId: 'T-late', output: { url: 'https://cdn.example/out.png' } },
          now,
        );
        expect(kept.changed).toBe(true);
        expect(await row(lost.id)).toMatchObject({
          status: 'failed',
          errorCode: 'START_LOST',
          taskId: 'T-late',
          output: { url: 'https://cdn.example/out.png' },
        });
        const twice = await store.recordLateOutput(lost.id, { taskId: 'T-late', output: 1 }, now);
        expect(twice.changed).toBe(false);
        // A running job, or one the user cancelled, is not changed this way.
        expect(
          (await store.recordLateOutput(done.id, { taskId: 'T-done', output: 1 }, now)).changed,
        ).toBe(false);
        await store.finish(
          done.id,
          {
            status: 'cancelled',
            errorCode: 'CANCELLED_BY_USER',
            errorMessage: 'CANCELLED_BY_USER: x',
          },
          { limits, now },
        );
        expect(
          (await store.recordLateOutput(done.id, { taskId: 'T-done', output: 1 }, now)).changed,
        ).toBe(false);
        expect((await row(done.id))?.output).toBeNull();
      });
    });

    describe('reads, credits, subscriptions', () => {
      it('finds the active job of a user, lists and counts', async () => {
        const a = await submit({ userId: 'reader' });
        expect((await store.findActive('reader'))?.id).toBe(a.id);
        expect(await store.findActive('nobody')).toBeNull();
        expect((await store.list({ userId: 'reader' })).map((j) => j.id)).toEqual([a.id]);
        expect(await store.list({ userId: 'reader', status: ['completed'] })).toEqual([]);
        expect(await store.get(a.id)).toEqual(await row(a.id));
        expect(await store.get(testJobId())).toBeNull();
      });

      it('lists by credit state (the refunds healing still owes)', async () => {
        const owed = await submit();
        const paid = await submit();
        for (const j of [owed, paid]) {
          await store.setCreditState(j.id, 'none', 'charged', now);
          await store.finish(
            j.id,
            { status: 'failed', errorCode: 'INTERNAL', errorMessage: 'INTERNAL: x' },
            { limits, now },
          );
        }
        await store.setCreditState(paid.id, 'charged', 'refunded', now);
        const found = await store.list({ status: ['failed', 'cancelled'], creditState: 'charged' });
        expect(found.map((j) => j.id)).toEqual([owed.id]);
        expect(await store.list({ creditState: 'refunded', limit: 5 })).toHaveLength(1);
      });

      it('changes the credit state by compare-and-set only', async () => {
        const a = await submit();
        expect(await store.setCreditState(a.id, 'none', 'charged', now)).toBe(true);
        expect(await store.setCreditState(a.id, 'none', 'charged', now)).toBe(false);
        expect(await store.setCreditState(a.id, 'charged', 'refunded', now)).toBe(true);
        expect(await store.setCreditState(a.id, 'charged', 'refunded', now)).toBe(false);
        expect((await row(a.id))?.creditState).toBe('refunded');
      });

      it('notifies subscribers of changes with id, status and user', async () => {
        const seen: string[] = [];
        const stop = store.subscribe((c) => seen.push(`${c.id}:${c.status}:${c.userId}`));
        const a = await submit({ userId: 'watcher' });
        await store.finish(a.id, { status: 'completed' }, { limits, now });
        await vi.waitFor(() => expect(seen).toContain(`${a.id}:completed:watcher`), {
          timeout: 5_000,
        });
        expect(seen).toContain(`${a.id}:running:watcher`);
        stop();
        const count = seen.length;
        await submit();
        await new Promise((r) => setTimeout(r, 300));
        expect(seen.length).toBe(count);
      });

      it('sends one "queue moved" per promotion, none when a job joins the tail; positions are read, not written', async () => {
        const running = [await submit(), await submit(), await submit()];
        const queued = [await submit(), await submit(), await submit()];
        const moved: string[] = [];
        const changed: string[] = [];
        const stop = store.subscribe(
          (c) => changed.push(`${c.id}:${c.status}`),
          (pool) => moved.push(pool),
        );
        const tail = await submit();
        expect(tail).toMatchObject({ status: 'queued', position: 4 });
        await vi.waitFor(() => expect(changed).toContain(`${tail.id}:queued`), { timeout: 5_000 });
        expect(moved).toEqual([]);
        // Notices arrive in commit order: once the tail's is in, none of the earlier ones is
        // still on its way. Count only what the finish causes.
        changed.length = 0;
        const { promoted } = await store.finish(
          running[0]!.id,
          { status: 'completed' },
          { limits, now },
        );
        expect(promoted.map((j) => j.id)).toEqual([queued[0]!.id]);
        await vi.waitFor(() => expect(moved).toEqual(['default']), { timeout: 5_000 });
        // Only the finished and the promoted job changed; the three behind just moved up.
        await vi.waitFor(() => expect(changed).toContain(`${queued[0]!.id}:running`), {
          timeout: 5_000,
        });
        const behind = [queued[1]!.id, queued[2]!.id, tail.id];
        expect(changed.filter((c) => behind.includes(c.split(':')[0]!))).toEqual([]);
        expect(
          await Promise.all(
            [queued[1]!, queued[2]!, tail].map(async (j) => (await store.get(j.id))?.position),
          ),
        ).toEqual([1, 2, 3]);
        stop();
        await invariants();
      });
    });
  });
}
