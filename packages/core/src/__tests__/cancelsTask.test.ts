import { describe, expect, it } from 'vitest';
import { JobGateError } from '../domain/errors.js';
import { cancelsTask } from '../runner/cancelsTask.js';
import { handRunner, MAX_RUN, POLL, uuid } from './handRunner.js';

describe('a job end cancels its task at the provider once, and only when jobgate ends it (#22)', () => {
  it('a task the provider reported failed, ended by the watchdog, gets no cancel call', async () => {
    const { clock, store, provider, runner, submit } = handRunner();
    const job = await submit(1);
    provider.statuses.set(job.taskId!, {
      state: 'failed',
      error: { code: '805', message: 'node 12 crashed' },
    });
    await clock.advance(POLL + 1);
    const report = await runner.heal();
    expect(report.watched.map((j) => [j.id, j.errorCode])).toEqual([[job.id, 'PROVIDER_ERROR']]);
    expect(await store.get(job.id)).toMatchObject({ status: 'failed', creditState: 'refunded' });
    expect(provider.cancelled).toEqual([]);
  });

  it('a task the provider reported cancelled, by its callback, gets no cancel call', async () => {
    const { store, provider, runner, submit } = handRunner();
    const job = await submit(1);
    await runner.applyUpdate(job.id, { taskId: job.taskId!, state: 'cancelled' });
    expect((await store.get(job.id))?.status).toBe('failed');
    expect(provider.cancelled).toEqual([]);
  });

  it('a task the provider does not know (TASK_LOST) gets no cancel call', async () => {
    const { clock, store, provider, runner, submit } = handRunner();
    const job = await submit(1);
    provider.statuses.delete(job.taskId!);
    await clock.advance(POLL + 1);
    await runner.heal();
    expect(await store.get(job.id)).toMatchObject({ status: 'failed', errorCode: 'TASK_LOST' });
    expect(provider.cancelled).toEqual([]);
  });

  it('a task still running past maxRunMs is ended TIMEOUT and cancelled exactly once', async () => {
    const { clock, store, provider, runner, submit } = handRunner();
    const job = await submit(1);
    await clock.advance(MAX_RUN + 1);
    await runner.heal();
    expect(await store.get(job.id)).toMatchObject({ status: 'failed', errorCode: 'TIMEOUT' });
    expect(provider.cancelled).toEqual([job.taskId]);
    // The next tick finds nothing running: still one call.
    await clock.advance(POLL + 1);
    await runner.heal();
    expect(provider.cancelled).toEqual([job.taskId]);
  });

  it('a status call failing past the grace ends the job TIMEOUT, its task cancelled exactly once', async () => {
    const { clock, store, provider, runner, submit } = handRunner();
    const job = await submit(1);
    provider.statuses.set(job.taskId!, new JobGateError('PROVIDER_ERROR', 'RunningHub 503'));
    await clock.advance(MAX_RUN + 1);
    await runner.heal();
    await clock.advance(10 * POLL);
    await runner.heal();
    expect(await store.get(job.id)).toMatchObject({ status: 'failed', errorCode: 'TIMEOUT' });
    expect(provider.cancelled).toEqual([job.taskId]);
  });

  it('a running job the user cancels has its task cancelled exactly once', async () => {
    const { provider, runner, submit } = handRunner();
    const job = await submit(1);
    const cancelled = await runner.cancel({ jobId: job.id, userId: 'u1', confirm: true });
    expect(cancelled.status).toBe('cancelled');
    expect(provider.cancelled).toEqual([job.taskId]);
  });

  it('the rule: the runner’s end of a task that may run, never the provider’s, a completion or no task', async () => {
    const { submit } = handRunner();
    const running = await submit(1);
    const ended = { ...running, status: 'failed' as const };
    expect(cancelsTask(ended, ['running'], 'runner')).toBe(true);
    expect(cancelsTask(ended, ['starting', 'queued', 'running'], 'runner')).toBe(true);
    expect(cancelsTask(ended, ['running'], 'provider')).toBe(false);
    expect(cancelsTask({ ...ended, status: 'completed' }, ['running'], 'runner')).toBe(false);
    expect(cancelsTask({ ...ended, taskId: null }, ['running'], 'runner')).toBe(false);
    expect(cancelsTask({ ...ended, status: 'cancelled' }, ['queued'], 'runner')).toBe(false);
    expect(uuid(1)).toBe(running.id);
  });
});
