import { describe, expect, it } from 'vitest';
import { JobGateError } from '../domain/errors.js';
import { handParts, handRunner, uuid } from './handRunner.js';

describe('FailSafe', () => {
  it('ends a running job failed, cancelled at the provider even if that throws, refunded, the queue head started', async () => {
    const { clock, store, provider, billing, errors, failSafe, place } = handParts();
    expect((await place(1)).job.status).toBe('running');
    expect((await place(2)).job.status).toBe('queued');
    await store.attachTask(uuid(1), 'task-a', clock.now());
    provider.cancelError = new Error('the provider is down');
    const ended = await failSafe.fail(uuid(1), new JobGateError('PROVIDER_ERROR', 'exploded'));
    // The row holds what a user may read; the provider's own words go to the operators.
    expect(ended).toMatchObject({
      status: 'failed',
      errorMessage: 'PROVIDER_ERROR: the AI provider could not run the job',
    });
    expect(provider.cancelled).toEqual(['task-a']);
    expect(errors).toEqual([
      { during: 'job-failed', jobId: uuid(1), message: 'exploded' },
      { during: 'provider-cancel', jobId: uuid(1), message: 'the provider is down' },
    ]);
    expect((await store.get(uuid(1)))?.creditState).toBe('refunded');
    expect(billing.refunds).toEqual([uuid(1)]);
    expect(await store.get(uuid(2))).toMatchObject({ status: 'running', taskId: 'task-1' });
  });

  it('has ended, refunded and replaced the job before a failed start reaches the caller', async () => {
    const { store, provider, billing, runner, submit } = handRunner({ policy: { globalCap: 1 } });
    let refuse!: (error: Error) => void;
    provider.starts.push(new Promise<string>((_, reject) => (refuse = reject)));
    const first = submit(1);
    expect(await submit(2)).toMatchObject({ status: 'queued' });
    refuse(new JobGateError('PROVIDER_REJECTED', 'the prompt was refused'));
    await expect(first).rejects.toMatchObject({ code: 'PROVIDER_REJECTED', jobId: uuid(1) });
    // Nothing below waits: all of it happened before the rejection.
    expect(await store.get(uuid(1))).toMatchObject({ status: 'failed', creditState: 'refunded' });
    expect(billing.refunds).toEqual([uuid(1)]);
    expect(await store.get(uuid(2))).toMatchObject({ status: 'running', taskId: 'task-1' });
    expect(await runner.slots()).toMatchObject({ running: 1, queued: 0 });
  });

  it('guard: the error of work reaches the caller named after the job, once the job has ended', async () => {
    const { store, failSafe, place } = handParts();
    await place(1);
    const work = failSafe.run(uuid(1), async () => {
      throw new Error('boom');
    });
    await expect(work).rejects.toMatchObject({ code: 'INTERNAL', jobId: uuid(1) });
    expect(await store.get(uuid(1))).toMatchObject({
      status: 'failed',
      errorCode: 'INTERNAL',
      creditState: 'refunded',
    });
  });

  it('never throws: when the store fails too, the job is left to heal and the failure reported', async () => {
    const { store, errors, failSafe, place } = handParts();
    await place(1);
    store.finish = async () => {
      throw new Error('the database went away');
    };
    const error = new JobGateError('PROVIDER_ERROR', 'exploded');
    expect(await failSafe.fail(uuid(1), error)).toBeNull();
    expect(errors).toEqual([
      { during: 'job-failed', jobId: uuid(1), message: 'exploded' },
      { during: 'failsafe', jobId: uuid(1), message: 'the database went away' },
    ]);
  });

  it('writes nothing when the store is unreachable: heal and the start lease end the job', async () => {
    const { store, failSafe, place } = handParts();
    await place(1);
    let finishes = 0;
    const finish = store.finish.bind(store);
    store.finish = (...args) => {
      finishes++;
      return finish(...args);
    };
    const error = new JobGateError('STORE_UNAVAILABLE', 'the database did not answer');
    expect(await failSafe.fail(uuid(1), error)).toBeNull();
    expect(finishes).toBe(0);
    expect((await store.get(uuid(1)))?.status).toBe('running');
  });
});
