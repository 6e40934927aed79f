import { z } from 'zod';
import type { Job } from '../domain/job.js';
import { defineTool } from '../domain/tool.js';
import { MemoryStore } from '../memory/memoryStore.js';
import type { Billing } from '../ports/billing.js';
import type {
  Provider,
  ProviderFile,
  ProviderStartContext,
  ProviderStatus,
  ProviderUpdate,
} from '../ports/provider.js';
import { CreditSettler } from '../runner/creditSettler.js';
import { FailSafe } from '../runner/failSafe.js';
import { Healer } from '../runner/healer.js';
import { JobRunner } from '../runner/jobRunner.js';
import { ProviderLauncher } from '../runner/providerLauncher.js';
import { createRunnerContext } from '../runner/runnerContext.js';
import type { JobRunnerOptions } from '../runner/runnerOptions.js';
import { UpdateApplier } from '../runner/updateApplier.js';
import { FakeClock } from '../testing/fakeClock.js';

export const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
export const SEC = 1_000;
export const POLL = 10 * SEC;
export const MAX_RUN = 60 * SEC;
export const tool = defineTool({
  id: 'img',
  input: z.object({ prompt: z.string() }),
  creditCost: 10,
  maxRunMs: MAX_RUN,
  pollIntervalMs: POLL,
});
export const input = { prompt: 'a cat' };

/** A provider whose every answer the test decides. */
export class HandProvider implements Provider {
  readonly id = 'hand';
  readonly statuses = new Map<string, ProviderStatus | Error>();
  readonly cancelled: string[] = [];
  statusCalls = 0;
  /** Answer of the next start calls: a task id, an error, or a promise the test settles. */
  starts: Array<string | Error | Promise<string>> = [];
  /** Start calls so far, with the time of each (by the runner's clock, if given). */
  readonly startedAt: number[] = [];
  /** What the next cancel calls throw, if anything. */
  cancelError: Error | null = null;
  #next = 1;

  constructor(readonly clock?: FakeClock) {}

  async start(_context: ProviderStartContext): Promise<{ taskId: string }> {
    this.startedAt.push(this.clock?.now() ?? Date.now());
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
    if (this.cancelError) throw this.cancelError;
  }
  async upload(_file: ProviderFile, _signal: AbortSignal): Promise<string> {
    return 'x';
  }
  async parseWebhook(request: Request): Promise<ProviderUpdate> {
    return (await request.json()) as ProviderUpdate;
  }
}

export class CountingBilling implements Billing {
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

/** A runner on a MemoryStore, a FakeClock and a {@link HandProvider}, with a cap of 3. */
export function handRunner(over: Partial<JobRunnerOptions> = {}) {
  const clock = new FakeClock(Date.UTC(2026, 1, 1));
  const store = new MemoryStore();
  const provider = new HandProvider(clock);
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

/**
 * The runner's parts wired as JobRunner wires them, without the façade: for tests of one
 * part's rule. `errors` collects what the parts report.
 */
export function handParts(over: Partial<JobRunnerOptions> = {}) {
  const clock = new FakeClock(Date.UTC(2026, 1, 1));
  const store = new MemoryStore();
  const provider = new HandProvider(clock);
  const billing = new CountingBilling();
  const options: JobRunnerOptions = {
    store,
    provider,
    tools: [tool],
    clock,
    billing,
    policy: { globalCap: 1 },
    ...over,
  };
  const ctx = createRunnerContext(options);
  const errors: Array<{ during: string; jobId?: string | undefined; message: string }> = [];
  ctx.events.on('error', (error, { during, jobId }) =>
    errors.push({ during, jobId, message: error.message }),
  );
  const credits = new CreditSettler(ctx, options.billing, options.refundPolicy);
  const launcher: ProviderLauncher = new ProviderLauncher(ctx, {
    webhook: options.webhook,
    wakeTimers: options.wakeTimers ?? true,
    random: options.random ?? (() => 0.5),
    onFailed: (jobId, error) => failSafe.fail(jobId, error),
  });
  const failSafe = new FailSafe(ctx, credits, launcher);
  const updates = new UpdateApplier(ctx, { failSafe, credits, launcher }, []);
  const watchdog = new Healer(ctx, { failSafe, credits, launcher, updates });
  /** Creates job n and lets the store place it (running or queued), charged if billed. */
  const place = async (n: number, cost = 10) => {
    const job = { id: uuid(n), tool: 'img', userId: `u${n}`, pool: 'default', input };
    await store.create({ ...job, userCreditCost: cost }, { maxActivePerUser: 1, now: clock.now() });
    const created = (await store.get(uuid(n)))!;
    await credits.charge(created);
    return store.start(created.id, ctx.slot());
  };
  return {
    clock,
    store,
    provider,
    billing,
    ctx,
    errors,
    credits,
    launcher,
    failSafe,
    updates,
    watchdog,
    place,
  };
}
