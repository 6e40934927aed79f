import { sampleInputs, tools, uploadSampleInput } from '@jobgate/example-tools';
import { describe, expect, it } from 'vitest';
import { JobGateError } from '../domain/errors.js';
import { MemoryStore } from '../memory/memoryStore.js';
import { JobRunner } from '../runner/jobRunner.js';
import { FakeClock } from '../testing/fakeClock.js';
import { MemoryBilling } from '../testing/memoryBilling.js';
import { MemoryFileStorage } from '../testing/memoryFileStorage.js';
import { SimulatedProvider, type SimulatedRates } from '../testing/simulatedProvider.js';

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function setup(options: { capacity?: number; rates?: SimulatedRates } = {}) {
  const clock = new FakeClock();
  const store = new MemoryStore();
  const billing = new MemoryBilling(1000);
  const provider = new SimulatedProvider({
    clock,
    seed: 7,
    startLatencyMs: [0, 0],
    durationMs: [1_000, 1_000],
    ...(options.capacity === undefined ? {} : { capacity: options.capacity }),
    ...(options.rates === undefined ? {} : { rates: options.rates }),
  });
  const storage = new MemoryFileStorage();
  const runner = new JobRunner({
    store,
    provider,
    tools,
    storage,
    clock,
    billing,
    random: () => 0.5,
  });
  provider.onUpdate((jobId, update) => {
    void runner.applyUpdate(jobId, update);
  });
  return { clock, store, storage, billing, provider, runner };
}

describe('JobRunner', () => {
  it('runs three jobs, queues the fourth with position 1, promotes it when a slot frees', async () => {
    const { runner, storage, clock, provider } = setup();
    const jobs = [];
    for (let i = 1; i <= 4; i++) {
      jobs.push(
        await runner.submit({
          jobId: uuid(i),
          tool: 'veste-ai',
          userId: `u${i}`,
          input: uploadSampleInput(storage, 'veste-ai', { userId: `u${i}`, jobId: uuid(i) }),
        }),
      );
    }
    expect(jobs.slice(0, 3).map((j) => j.status)).toEqual(['running', 'running', 'running']);
    expect(jobs[3]).toMatchObject({ status: 'queued', waitedInQueue: true, position: 1 });
    await clock.advance(1_000);
    const fourth = await runner.get(uuid(4), 'u4');
    expect(fourth.status).toBe('running');
    expect(fourth.taskId).not.toBeNull();
    expect(provider.maxConcurrent).toBe(3);
    await clock.advance(1_000);
    expect((await runner.get(uuid(4), 'u4')).status).toBe('completed');
  });

  it('refuses invalid input at once with a code, writes no row, and the same id can be retried', async () => {
    const { runner, store, storage } = setup();
    const error = await runner
      .submit({
        jobId: uuid(1),
        tool: 'upscaler',
        userId: 'u',
        input: { ...sampleInputs.upscaler, category: 'nope' },
      })
      .catch((e) => e);
    expect(error).toBeInstanceOf(JobGateError);
    expect(error.code).toBe('VALIDATION');
    expect(error.jobId).toBe(uuid(1));
    expect(await store.get(uuid(1))).toBeNull();
    const retry = await runner.submit({
      jobId: uuid(1),
      tool: 'upscaler',
      userId: 'u',
      input: uploadSampleInput(storage, 'upscaler', { userId: 'u', jobId: uuid(1) }),
    });
    expect(retry.status).toBe('running');
  });

  it('refunds a charged job the provider rejects, exactly once', async () => {
    const { runner, storage, billing, store } = setup({ rates: { reject: 1 } });
    await expect(
      runner.submit({
        jobId: uuid(1),
        tool: 'pose-changer',
        userId: 'u',
        input: uploadSampleInput(storage, 'pose-changer', { userId: 'u', jobId: uuid(1) }),
      }),
    ).rejects.toMatchObject({ code: 'PROVIDER_REJECTED', jobId: uuid(1) });
    const job = await store.get(uuid(1));
    expect(job).toMatchObject({ status: 'failed', creditState: 'refunded' });
    expect((await billing.balance('u')).total).toBe(1000);
    await runner.heal();
    expect(await billing.entries({ userId: 'u' })).toHaveLength(3); // initial grant, charge, refund
  });

  it('heal pays a refund still owed after a crash between ending a job and refunding it', async () => {
    const { runner, storage, billing, store, clock } = setup();
    const job = await runner.submit({
      jobId: uuid(1),
      tool: 'veste-ai',
      userId: 'u',
      input: uploadSampleInput(storage, 'veste-ai', { userId: 'u', jobId: uuid(1) }),
    });
    expect((await billing.balance('u')).total).toBe(940);
    // The process died right after the job ended: the store says charged, nobody refunded.
    await store.finish(
      job.id,
      { status: 'failed', errorCode: 'INTERNAL', errorMessage: 'INTERNAL: crash' },
      { limits: runner.policy.limits, now: clock.now() },
    );
    expect((await store.get(job.id))?.creditState).toBe('charged');
    const report = await runner.heal();
    expect(report.refunded).toBe(1);
    expect((await billing.balance('u')).total).toBe(1000);
    expect((await store.get(job.id))?.creditState).toBe('refunded');
    expect((await runner.heal()).refunded).toBe(0);
  });

  it('keeps a job queued on a provider busy answer and starts it after backoff', async () => {
    const { runner, storage, clock, provider } = setup({ capacity: 0 });
    const job = await runner.submit({
      jobId: uuid(1),
      tool: 'veste-ai',
      userId: 'u',
      input: uploadSampleInput(storage, 'veste-ai', { userId: 'u', jobId: uuid(1) }),
    });
    expect(job).toMatchObject({
      status: 'queued',
      waitedInQueue: true,
      position: 1,
      errorCode: 'PROVIDER_BUSY',
    });
    // Backoff 3 s (jitter fixed at 0 by random 0.5): still busy at the first retry.
    await clock.advance(3_000);
    expect(await runner.get(uuid(1), 'u')).toMatchObject({ status: 'queued', attempts: 2 });
    provider.capacity = 3;
    await clock.advance(8_000);
    const started = await runner.get(uuid(1), 'u');
    expect(started.status).toBe('running');
    expect(started.taskId).not.toBeNull();
  });

  it('heals a stale starting job after 15 s (fake clock)', async () => {
    const { runner, store, clock } = setup();
    await store.create(
      {
        id: uuid(9),
        tool: 'veste-ai',
        userId: 'u',
        pool: 'default',
        input: {},
        userCreditCost: 60,
      },
      { maxActivePerUser: 1, now: clock.now() },
    );
    await clock.advance(14_999);
    expect((await runner.active('u'))?.id).toBe(uuid(9));
    await clock.advance(2);
    expect(await runner.active('u')).toBeNull();
    expect(await store.get(uuid(9))).toMatchObject({
      status: 'cancelled',
      errorCode: 'STALE_START',
    });
  });
});
