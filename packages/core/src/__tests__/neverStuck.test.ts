import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { JobGateError } from '../domain/errors.js';
import { type Job, jobRecord } from '../domain/job.js';
import { defineTool } from '../domain/tool.js';
import { MemoryStore } from '../memory/memoryStore.js';
import type { Billing } from '../ports/billing.js';
import type { JobStore } from '../ports/jobStore.js';
import type {
  Provider,
  ProviderStartContext,
  ProviderStatus,
  ProviderUpdate,
} from '../ports/provider.js';
import { JobRunner } from '../runner/jobRunner.js';
import type { JobRunnerOptions } from '../runner/runnerOptions.js';
import { FakeClock } from '../testing/fakeClock.js';

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const SEC = 1_000;
const POLL = 10 * SEC;
const MAX_RUN = 60 * SEC;
const tool = defineTool({
  id: 'img',
  input: z.object({ prompt: z.string() }),
  creditCost: 10,
  maxRunMs: MAX_RUN,
  pollIntervalMs: POLL,
});
const input = { prompt: 'a cat' };

/** A provider whose every answer the test decides. */
class HandProvider implements Provider {
  readonly id = 'hand';
  readonly statuses = new Map<string, ProviderStatus | Error>();
  readonly cancelled: string[] = [];
  statusCalls = 0;
  /** Answer of the next start calls: a task id, an error, or a promise the test settles. */
  starts: Array<string | Error | Promise<string>> = [];
  #next = 1;

  async start(_context: ProviderStartContext): Promise<{ taskId: string }> {
    const answer = this.starts.shift() ?? `task-${this.#next++}`;
    if (answer instanceof Error) throw answer;
    const taskId = await answer;
    if (!this.statuses.has(taskId)) this.statuses.set(taskId, { state: 'running' });
    return { taskId };
  }
  async status(taskId: string): Promise<ProviderStatus> {
    this.statusCalls++;
    const s = this.statuses.get(taskId);
    if (s instanceof Error) throw s;
    return s ?? { state: 'unknown', error: { code: '807', message: 'task not found' } };
  }
  async cancel(taskId: string): Promise<void> {
    this.cancelled.push(taskId);
  }
  async upload(): Promise<string> {
    return 'x';
  }
  async parseWebhook(request: Request): Promise<ProviderUpdate> {
    return (await request.json()) as ProviderUpdate;
  }
}

class CountingBilling implements Billing {
  readonly refunds: string[] = [];
  readonly charges: string[] = [];
  async charge(job: Job): Promise<void> {
    this.charges.push(job.id);
  }
  async refund(job: Job): Promise<void> {
    // Slow, like a real ledger: gives concurrent healers every chance to overlap.
    await new Promise((r) => setTimeout(r, 5));
    this.refunds.push(job.id);
  }
}

function setup(over: Partial<JobRunnerOptions> = {}) {
  const clock = new FakeClock(Date.UTC(2026, 1, 1));
  const store = new MemoryStore();
  const provider = new HandProvider();
  const billing = new CountingBilling();
  const runner = new JobRunner({
    store,
    provider,
    tools: [tool],
    clock,
    billing,
    random: () => 0.5,
    policy: { globalCap: 3 },
    ...over,
  });
  const submit = (n: number) =>
    runner.submit({ jobId: uuid(n), tool: 'img', userId: `u${n}`, input });
  const row = (job: Job, fields: Partial<Job>): Job => ({ ...job, ...fields });
  return { clock, store, provider, billing, runner, submit, row };
}

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

describe('start leases in the runner', () => {
  it('renews the lease while provider.start is in flight: a slow start is not healed', async () => {
    const { clock, store, provider, submit } = setup();
    let accept!: (taskId: string) => void;
    provider.starts.push(new Promise<string>((r) => (accept = r)));
    const pending = submit(1);
    // Another instance heals every 5 s for 40 s while the provider takes its time.
    const other = new JobRunner({ store, provider, tools: [tool], clock });
    for (let t = 0; t < 8; t++) {
      await clock.advance(5 * SEC);
      expect((await other.heal()).healed).toEqual([]);
    }
    accept('slow-task');
    expect(await pending).toMatchObject({ status: 'running', taskId: 'slow-task' });
  });

  it('frees the slot of a start whose process died within the lease (15 s), not at lostStartMs (60 s)', async () => {
    const { clock, store, provider, runner, submit } = setup();
    provider.starts.push(new Promise<string>(() => undefined)); // never answers
    void submit(1).catch(() => undefined);
    await clock.advance(0);
    expect((await store.get(uuid(1)))?.status).toBe('running');
    runner.close(); // the process is gone: no more renewals
    const other = new JobRunner({ store, provider, tools: [tool], clock });
    await clock.advance(15 * SEC);
    expect((await other.heal()).healed).toEqual([]);
    await clock.advance(1);
    const report = await other.heal();
    expect(report.healed.map((j) => [j.id, j.errorCode])).toEqual([[uuid(1), 'START_LOST']]);
    expect(report.healed[0]!.errorMessage).toMatch(/lease/);
  });

  it('a task started for a job that heal ended is cancelled at the provider when it shows up', async () => {
    const { clock, store, provider, runner, submit } = setup({
      webhook: { baseUrl: 'https://x.test', secret: 'a-secret-of-enough-length-0123' },
    });
    provider.starts.push(new Promise<string>(() => undefined));
    void submit(1).catch(() => undefined);
    await clock.advance(0);
    runner.close();
    const other = new JobRunner({ store, provider, tools: [tool], clock });
    await clock.advance(16 * SEC);
    await other.heal();
    expect((await store.get(uuid(1)))?.errorCode).toBe('START_LOST');
    // The dead instance's start reached the provider after all: its task reports in.
    await other.applyUpdate(uuid(1), { taskId: 'orphan', state: 'running' });
    expect(provider.cancelled).toEqual(['orphan']);
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

describe('smaller truths (#9)', () => {
  it('records the task id from a webhook that beat the start answer', async () => {
    const { clock, store, provider, submit, runner } = setup();
    let accept!: (taskId: string) => void;
    provider.starts.push(new Promise<string>((r) => (accept = r)));
    const pending = submit(1);
    await clock.advance(0);
    await runner.applyUpdate(uuid(1), {
      taskId: 'fast-task',
      state: 'completed',
      output: { url: 'o' },
    });
    expect(await store.get(uuid(1))).toMatchObject({ status: 'completed', taskId: 'fast-task' });
    accept('fast-task');
    expect((await pending).status).toBe('completed');
  });

  it('clears the PROVIDER_BUSY fields once the provider accepts the retried start', async () => {
    const { clock, store, provider, submit } = setup();
    provider.starts.push(new JobGateError('PROVIDER_BUSY', 'full', { providerCode: 421 }));
    const queued = await submit(1);
    expect(queued).toMatchObject({ status: 'queued', errorCode: 'PROVIDER_BUSY' });
    await clock.advance(4 * SEC);
    expect(await store.get(uuid(1))).toMatchObject({
      status: 'running',
      taskId: expect.any(String),
      errorCode: null,
      errorMessage: null,
      retryAt: null,
    });
  });
});

describe('refunds exactly once (#8)', () => {
  it('four concurrent heals call billing.refund once for one owed refund', async () => {
    const { clock, store, billing, runner } = setup();
    const base = jobRecord(
      { id: uuid(1), tool: 'img', userId: 'u', pool: 'default', input, userCreditCost: 10 },
      clock.now(),
    );
    store.unsafeInsert({
      ...base,
      status: 'failed',
      creditState: 'charged',
      errorCode: 'INTERNAL',
      errorMessage: 'INTERNAL: x',
      completedAt: base.createdAt,
    });
    const runners = [
      runner,
      ...[1, 2, 3].map(
        () => new JobRunner({ store, provider: runner.provider, tools: [tool], clock, billing }),
      ),
    ];
    const reports = await Promise.all(runners.map((r) => r.heal()));
    expect(billing.refunds).toEqual([uuid(1)]);
    expect(reports.reduce((n, r) => n + r.refunded, 0)).toBe(1);
    expect((await store.get(uuid(1)))?.creditState).toBe('refunded');
  });

  it('gives a refund back to the next heal when Billing fails, and takes over a dead claim', async () => {
    const { clock, store, runner } = setup();
    let fail = true;
    const paid: string[] = [];
    const flaky = new JobRunner({
      store,
      provider: runner.provider,
      tools: [tool],
      clock,
      billing: {
        charge: async () => undefined,
        refund: async (job) => {
          if (fail) throw new Error('ledger down');
          paid.push(job.id);
        },
      },
    });
    const base = (n: number, creditState: Job['creditState']) => ({
      ...jobRecord(
        { id: uuid(n), tool: 'img', userId: 'u', pool: 'default', input, userCreditCost: 10 },
        clock.now(),
      ),
      status: 'failed' as const,
      creditState,
      errorCode: 'INTERNAL',
      errorMessage: 'INTERNAL: x',
      completedAt: new Date(clock.now()).toISOString(),
    });
    store.unsafeInsert(base(1, 'charged'));
    // A claim left by a process that died while paying.
    store.unsafeInsert(base(2, 'refunding'));
    await flaky.heal();
    expect((await store.get(uuid(1)))?.creditState).toBe('charged');
    fail = false;
    await flaky.heal();
    expect(paid).toEqual([uuid(1)]);
    await clock.advance(60 * SEC + 1);
    await flaky.heal();
    expect(paid).toEqual([uuid(1), uuid(2)]);
    expect((await store.get(uuid(2)))?.creditState).toBe('refunded');
  });
});

describe('the store unreachable (#5)', () => {
  /** The store with some methods that never answer (the database is gone). */
  const hanging = (store: MemoryStore, methods: Array<keyof JobStore>) => {
    const down = new Set<string>(methods);
    return new Proxy(store, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target);
        if (typeof value !== 'function') return value;
        if (down.has(String(prop))) return () => new Promise(() => undefined);
        return value.bind(target);
      },
    }) as MemoryStore & { down: Set<string> };
  };

  it('a store call past its deadline fails the request with STORE_UNAVAILABLE in time', async () => {
    const store = new MemoryStore();
    const { runner } = setup({
      store: hanging(store, ['create']),
      timeouts: { storeCallMs: 50 },
    });
    const started = Date.now();
    const error = await runner
      .submit({ jobId: uuid(1), tool: 'img', userId: 'u', input })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE', status: 503, retryable: true });
    expect((error as JobGateError).retryAfterMs).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a task the provider accepted while the database was down is recorded when it is back', async () => {
    const store = new MemoryStore();
    const down = new Set<string>();
    const flaky = new Proxy(store, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target);
        if (typeof value !== 'function') return value;
        if (down.has(String(prop))) return () => new Promise(() => undefined);
        return value.bind(target);
      },
    });
    const { runner, clock, provider } = setup({ store: flaky, timeouts: { storeCallMs: 20 } });
    let accept!: (taskId: string) => void;
    provider.starts.push(new Promise<string>((r) => (accept = r)));
    const pending = runner
      .submit({ jobId: uuid(1), tool: 'img', userId: 'u', input })
      .catch((e: unknown) => e);
    await clock.advance(0);
    down.add('attachTask');
    down.add('renewLeases');
    accept('accepted-task');
    expect(await pending).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect((await store.get(uuid(1)))?.taskId).toBeNull();
    down.clear();
    await clock.advance(1_000);
    await new Promise((r) => setTimeout(r, 30));
    expect(await store.get(uuid(1))).toMatchObject({
      status: 'running',
      taskId: 'accepted-task',
    });
    expect(provider.cancelled).toEqual([]);
  });
});
