import { describe, expect, it } from 'vitest';
import { JobGateError } from '../domain/errors.js';
import { jobRecord } from '../domain/job.js';
import { input, MAX_RUN, POLL, SEC, handRunner as setup, uuid } from './handRunner.js';

describe('old shapes that need the provider (the watchdog)', () => {
  it('ends a running row whose task the provider does not know, started_at NULL, on the next tick', async () => {
    const { clock, store, provider, runner } = setup();
    const base = jobRecord(
      { id: uuid(1), tool: 'img', userId: 'old', pool: 'default', input, userCreditCost: 0 },
      clock.now(),
    );
    store.unsafeInsert({ ...base, status: 'running', taskId: 'gone', startedAt: null });
    const report = await runner.heal();
    expect(provider.statusCalls).toBe(1);
    expect(report.watched.map((j) => [j.id, j.status, j.errorCode])).toEqual([
      [uuid(1), 'failed', 'TASK_LOST'],
    ]);
    expect(await store.findActive('old')).toBeNull();
    // It is asked about once, not on every tick forever.
    await runner.heal();
    expect(provider.statusCalls).toBe(1);
  });

  it('asks about a running row without started_at at once, and ends it by its created_at age', async () => {
    const { clock, store, provider, runner } = setup();
    const at = clock.now() - 2 * MAX_RUN;
    const base = (n: number) =>
      jobRecord(
        { id: uuid(n), tool: 'img', userId: `old${n}`, pool: 'default', input, userCreditCost: 0 },
        at,
      );
    store.unsafeInsert({ ...base(1), status: 'running', taskId: 'done', startedAt: null });
    store.unsafeInsert({ ...base(2), status: 'running', taskId: 'stuck', startedAt: null });
    provider.statuses.set('done', { state: 'completed', output: { url: 'u' } });
    provider.statuses.set('stuck', { state: 'running' });
    await runner.heal();
    expect(await store.get(uuid(1))).toMatchObject({ status: 'completed', output: { url: 'u' } });
    expect(await store.get(uuid(2))).toMatchObject({ status: 'failed', errorCode: 'TIMEOUT' });
    expect(provider.cancelled).toContain('stuck');
  });
});

describe('the watchdog keeps finished work (#7)', () => {
  it('transient status errors past maxRunMs keep the job running within the grace; the result is kept', async () => {
    const { clock, store, provider, runner, submit } = setup();
    const job = await submit(1);
    const taskId = job.taskId!;
    provider.statuses.set(taskId, new JobGateError('PROVIDER_ERROR', 'RunningHub 503'));
    await clock.advance(MAX_RUN + 1);
    for (let i = 0; i < 3; i++) {
      await runner.heal();
      expect((await store.get(job.id))?.status).toBe('running');
      await clock.advance(2 * POLL);
    }
    provider.statuses.set(taskId, { state: 'completed', output: { url: 'result.png' } });
    await clock.advance(4 * POLL);
    await runner.heal();
    expect(await store.get(job.id)).toMatchObject({
      status: 'completed',
      output: { url: 'result.png' },
    });
  });

  it('ends as TIMEOUT once the grace (10 poll intervals) is over, and a late success is still kept', async () => {
    const { clock, store, provider, runner, submit, billing } = setup();
    const job = await submit(1);
    provider.statuses.set(job.taskId!, new JobGateError('PROVIDER_ERROR', 'RunningHub 503'));
    await clock.advance(MAX_RUN + 1);
    await runner.heal();
    expect((await store.get(job.id))?.status).toBe('running');
    await clock.advance(10 * POLL);
    await runner.heal();
    expect(await store.get(job.id)).toMatchObject({ status: 'failed', errorCode: 'TIMEOUT' });
    expect(billing.refunds).toEqual([job.id]);
    // The provider's success webhook arrives late: the output is kept for the user.
    await runner.applyUpdate(job.id, {
      taskId: job.taskId!,
      state: 'completed',
      output: { url: 'late.png' },
    });
    expect(await store.get(job.id)).toMatchObject({
      status: 'failed',
      errorCode: 'TIMEOUT',
      output: { url: 'late.png' },
      creditState: 'refunded',
    });
  });
});

describe('Watchdog', () => {
  it('backs off status calls that fail (1, 2, 4, then 8 poll intervals) until the grace is over', async () => {
    const { clock, provider, runner, store, submit } = setup({ retry: { statusGracePolls: 30 } });
    const t0 = clock.now();
    const job = await submit(1);
    provider.statuses.set(job.taskId!, new JobGateError('PROVIDER_ERROR', 'RunningHub 503'));
    const asked: number[] = [];
    for (let s = 1; s <= 370; s++) {
      await clock.advance(SEC);
      const before = provider.statusCalls;
      await runner.heal();
      if (provider.statusCalls > before) asked.push((clock.now() - t0) / SEC);
    }
    // Quiet after one poll interval (10 s); the last call is the one past the grace
    // (60 s + 30 polls), which ends the job.
    expect(asked).toEqual([11, 21, 41, 81, 161, 241, 321, 361]);
    expect(await store.get(job.id)).toMatchObject({ status: 'failed', errorCode: 'TIMEOUT' });
  });

  it('heals on every tick of startHealing, and stops with close()', async () => {
    const { clock, store, runner } = setup();
    const healed: string[] = [];
    runner.on('healed', (job) => healed.push(job.id));
    const stale = (n: number) =>
      store.unsafeInsert(
        jobRecord(
          { id: uuid(n), tool: 'img', userId: `s${n}`, pool: 'default', input, userCreditCost: 0 },
          clock.now() - 20 * SEC,
        ),
      );
    stale(1);
    const stop = runner.startHealing(4 * SEC);
    await clock.advance(4 * SEC - 1);
    expect(healed).toEqual([]);
    await clock.advance(1);
    expect(healed).toEqual([uuid(1)]);
    stop();
    stale(2);
    await clock.advance(20 * SEC);
    expect(healed).toEqual([uuid(1)]);
    expect((await store.get(uuid(2)))?.status).toBe('starting');
  });
});
