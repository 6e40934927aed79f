import { JobGateError, toJobGateError } from '../domain/errors.js';
import type { Job } from '../domain/job.js';
import type { JobEvents } from '../domain/jobEvents.js';
import { isTerminal, type JobStatus } from '../domain/jobStatus.js';
import { needsConfirm } from '../domain/needsConfirm.js';
import type { OutputFile } from '../domain/outputFile.js';
import { poolCap, type SlotPolicy } from '../domain/slotPolicy.js';
import { DEFAULT_POOL, type ToolRegistry } from '../domain/tool.js';
import type { Clock } from '../ports/clock.js';
import type {
  FinishResult,
  JobChange,
  JobQuery,
  JobStore,
  StoreCapabilities,
} from '../ports/jobStore.js';
import type { Provider, ProviderStatus } from '../ports/provider.js';
import { CreditSettler } from './creditSettler.js';
import { FailSafe } from './failSafe.js';
import { Healer, type HealReport } from './healer.js';
import { outputLinks } from './outputLinks.js';
import { ProviderLauncher } from './providerLauncher.js';
import { createRunnerContext, type RunnerContext } from './runnerContext.js';
import type { CancelRequest, JobRunnerOptions, SlotsInfo } from './runnerOptions.js';
import { parseSubmitRequest, type SubmitRequest } from './submitRequest.js';
import { UpdateApplier } from './updateApplier.js';

/**
 * The server side of the lifecycle. Every path that fails leaves the job terminal,
 * its slot released, its credits refunded and the queue head promoted, before the
 * error reaches the caller (the FailSafe).
 */
export class JobRunner {
  readonly store: JobStore;
  readonly provider: Provider;
  readonly tools: ToolRegistry;
  readonly policy: SlotPolicy;
  readonly clock: Clock;
  readonly #ctx: RunnerContext;
  readonly #healOnRequest: boolean;
  readonly #credits: CreditSettler;
  readonly #launcher: ProviderLauncher;
  readonly #failSafe: FailSafe;
  readonly #updates: UpdateApplier;
  readonly #healer: Healer;

  constructor(options: JobRunnerOptions) {
    const ctx = createRunnerContext(options);
    this.#ctx = ctx;
    this.store = ctx.store;
    this.provider = ctx.provider;
    this.tools = ctx.tools;
    this.policy = ctx.policy;
    this.clock = ctx.clock;
    this.#healOnRequest = options.healOnRequest ?? true;
    this.#credits = new CreditSettler(ctx, options.billing, options.refundPolicy);
    // A launch and the FailSafe call each other (an end promotes the next job, whose failed
    // start ends it): the launcher reaches the FailSafe through this callback.
    this.#launcher = new ProviderLauncher(ctx, {
      webhook: options.webhook,
      wakeTimers: options.wakeTimers ?? true,
      random: options.random ?? Math.random,
      onFailed: (jobId, error) => this.#failSafe.fail(jobId, error),
    });
    this.#failSafe = new FailSafe(ctx, this.#credits, this.#launcher);
    const parts = { failSafe: this.#failSafe, credits: this.#credits, launcher: this.#launcher };
    const secrets = options.webhook
      ? [options.webhook.secret, ...(options.webhook.previousSecrets ?? [])]
      : [];
    this.#updates = new UpdateApplier(ctx, parts, secrets);
    this.#healer = new Healer(ctx, { ...parts, updates: this.#updates });
  }

  on<E extends keyof JobEvents>(event: E, listener: (...args: JobEvents[E]) => void): () => void {
    this.#ctx.events.on(event, listener as never);
    return () => this.#ctx.events.off(event, listener as never);
  }

  /**
   * Creates the job (idempotent on `jobId`) and starts it: it takes a free slot and is
   * started at the provider, or queues when the cap is full. Resolves with the job as it
   * is (running or queued; for a repeated id, the existing job as it is, unchanged).
   * Rejects with a JobGateError naming the job. A request refused before its job was
   * created (invalid input, an active job) writes no row, so refusals cannot grow the table;
   * a job this call created is terminal before the error is thrown, except when the store
   * itself is unreachable (STORE_UNAVAILABLE): then heal and the start lease end it.
   */
  async submit(request: SubmitRequest): Promise<Job> {
    const { tool, job: newJob } = await parseSubmitRequest(this.tools, request);
    const jobId = newJob.id;
    // Nothing to charge before the slot decision: create and start in one store call (one
    // statement in SQL). With a charge, the intent is recorded between the two.
    const oneStep = !this.#credits.charges(newJob.userCreditCost);
    const create = () =>
      this.store.create(newJob, {
        maxActivePerUser: this.policy.maxActivePerUser,
        now: this.clock.now(),
        ...(oneStep ? { start: this.policy.limits } : {}),
      });
    let job: Job;
    let placedNow: { job: Job; promoted: Job[] } | null = null;
    try {
      let created: Awaited<ReturnType<typeof create>>;
      try {
        created = await create();
      } catch (error) {
        // Healing stays off the hot path: only when a stale job may be what blocks the user.
        if (!this.#healOnRequest || toJobGateError(error).code !== 'ACTIVE_JOB_EXISTS') throw error;
        await this.#healer.healQuietly();
        created = await create();
      }
      if (!created.created) return created.job;
      job = created.job;
      placedNow = created.promoted ? { job: created.job, promoted: created.promoted } : null;
    } catch (error) {
      throw toJobGateError(error, 'INTERNAL', jobId);
    }
    this.#ctx.emit('created', job);
    return this.#failSafe.run(jobId, async () => {
      let placement = placedNow;
      if (!placement) {
        await this.#credits.charge(job);
        placement = await this.store.start(job.id, this.#ctx.slot());
      }
      const { job: placed, promoted } = placement;
      await this.#launcher.launchAll(promoted);
      if (placed.status !== 'queued') return this.#launcher.launch(placed);
      this.#ctx.emit('queued', placed);
      if (!this.#healOnRequest) return placed;
      // Queued only when the cap is really full: a slot held by a lost start is freed
      // now (and the queue head, maybe this job, promoted) rather than at the next tick.
      const { healed } = await this.#healer.healQuietly(tool.pool);
      return healed.length > 0 ? ((await this.store.get(job.id)) ?? placed) : placed;
    });
  }

  /** A job of the user's (NOT_FOUND for someone else's). */
  async get(jobId: string, userId: string): Promise<Job> {
    const job = await this.store.get(jobId);
    if (!job || job.userId !== userId)
      throw new JobGateError('NOT_FOUND', 'no such job', { jobId });
    return job;
  }

  /**
   * The result files of the user's job, each with a short-lived signed URL (the browser's way
   * to show them): `[]` until the job has results. NOT_FOUND for someone else's job.
   */
  async outputFiles(jobId: string, userId: string): Promise<OutputFile[]> {
    return outputLinks(this.#ctx, await this.get(jobId, userId));
  }

  /**
   * What a job of `tool` with this input costs, in credits, from the tool registry (the
   * price a submit will charge). VALIDATION for an unknown tool or an input its schema
   * refuses; file fields are not checked here (the files are uploaded after the quote).
   */
  async quote(tool: string, input: unknown): Promise<{ tool: string; credits: number }> {
    const definition = this.tools.get(tool);
    const parsed = await definition.parse(input);
    return { tool: definition.id, credits: definition.price(parsed) };
  }

  /** The user's active job after healing stale ones, or null. */
  async active(userId: string): Promise<Job | null> {
    if (this.#healOnRequest) await this.#healer.healQuietly();
    return this.store.findActive(userId);
  }

  /**
   * Cancels the user's job. `starting` and phantom queue entries are always cancelled; a
   * job that really waits in the queue, or runs, only with `confirm: true` (a running job
   * is cancelled at the provider too). A terminal job is returned unchanged.
   */
  async cancel(request: CancelRequest): Promise<Job> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const job = await this.get(request.jobId, request.userId);
      if (isTerminal(job.status)) return job;
      if (needsConfirm(job) && !request.confirm) {
        throw new JobGateError(
          'CONFIRM_REQUIRED',
          job.status === 'running'
            ? 'the job is running: confirm to cancel it'
            : `the job is number ${job.position} in the queue: confirm to give up its place`,
          { jobId: job.id },
        );
      }
      const result = await this.#cancelFrom(job.id, [job.status]);
      if (result.changed) return result.job;
    }
    throw new JobGateError('CONFLICT', 'the job kept changing; try again', {
      jobId: request.jobId,
    });
  }

  /** Cancels every starting or queued job of the user (a session ends). */
  async cancelSession(userId: string): Promise<Job[]> {
    const waiting = await this.store.list({ userId, status: ['starting', 'queued'] });
    const cancelled: Job[] = [];
    for (const job of waiting) {
      const result = await this.#cancelFrom(job.id, ['starting', 'queued']);
      if (result.changed) cancelled.push(result.job);
    }
    return cancelled;
  }

  async slots(pool = DEFAULT_POOL): Promise<SlotsInfo> {
    const counts = await this.store.counts(pool);
    return { pool, cap: poolCap(this.policy.limits, pool), ...counts };
  }

  /**
   * The job with this id if it is the user's, null if no job has the id, CONFLICT if it is
   * someone else's: how a repeated submit (a double click, a retry) is answered with the job
   * as it is, before any limit applies. Someone else's id is refused exactly as a store
   * refuses any id in use by another job (same code, same message), so the answer says
   * nothing about whose it is.
   */
  async find(jobId: string, userId: string): Promise<Job | null> {
    const job = await this.store.get(jobId);
    if (job && job.userId !== userId) {
      throw new JobGateError('CONFLICT', 'this job id is already used by another job', { jobId });
    }
    return job;
  }

  /** Jobs matching the query (newest first), for operator views. */
  list(query: JobQuery): Promise<Job[]> {
    return this.store.list(query);
  }

  /** The queue of a pool (all pools if omitted) in order, positions 1..n. */
  queue(pool?: string): Promise<Job[]> {
    return this.store.queue(pool);
  }

  /**
   * Every job change, and one notice per pool whose queue moved (positions changed without
   * the rows changing); returns the unsubscribe function. What a live view listens to.
   */
  watch(onChange: (change: JobChange) => void, onQueueMoved?: (pool: string) => void): () => void {
    return this.store.subscribe(onChange, onQueueMoved);
  }

  /** What the store can do: whether it is shared between processes, and notifies across them. */
  get capabilities(): StoreCapabilities {
    return this.store.capabilities;
  }

  /**
   * The callback URL the provider gets for a start attempt of a job (default the first), or
   * undefined without `webhook` options.
   */
  webhookUrl(jobId: string, attempt = 0): Promise<string | undefined> {
    return this.#launcher.webhookUrl(jobId, attempt);
  }

  /**
   * Applies a provider update (webhook or poll) to a job. Duplicate and late deliveries
   * change nothing, except: the task id of an update is recorded on a running job that has
   * none yet (the callback beat the start answer); a finished result for a job already ended
   * as TIMEOUT, START_LOST or TASK_LOST is kept (`output`; the job stays failed and refunded);
   * and a task that still runs for a job that ended without a task id (its starter died) is
   * cancelled at the provider, since nobody follows it. A task id that does not match the
   * job's is refused.
   */
  applyUpdate(jobId: string, update: ProviderStatus & { taskId?: string }): Promise<Job> {
    return this.#updates.apply(jobId, update);
  }

  /**
   * `POST /webhooks/:provider/:token`: checks the per-job token (constant time; bound to the
   * job and the start attempt, so an earlier attempt's token is refused), parses the
   * provider's callback and applies it. Throws UNAUTHENTICATED for a bad token and
   * VALIDATION for a malformed body; a duplicate or late delivery changes nothing.
   */
  handleWebhook(token: string, request: Request): Promise<Job> {
    return this.#updates.handleWebhook(token, request);
  }

  /**
   * Ends what outlived its window, promotes into freed slots, polls running jobs that
   * went quiet (lost webhooks), ends overdue ones after asking the provider, and pays
   * refunds still owed. For a scheduler or {@link startHealing}.
   */
  heal(): Promise<HealReport> {
    return this.#healer.heal();
  }

  /**
   * Runs {@link heal} every `intervalMs` (default 4 s) in a long-lived process; returns stop.
   * With the 15 s start lease, a dead instance's slots are in use again within 15 s + one tick.
   */
  startHealing(intervalMs = 4_000): () => void {
    this.#healer.startHealing(intervalMs);
    return () => this.close();
  }

  /** Stops timers. The store is the caller's to close. */
  close(): void {
    this.#ctx.closed = true;
    this.#healer.stop();
  }

  #cancelFrom(jobId: string, from: readonly JobStatus[]): Promise<FinishResult> {
    const errorMessage = 'CANCELLED_BY_USER: cancelled by the user';
    const outcome = { status: 'cancelled', errorCode: 'CANCELLED_BY_USER', errorMessage } as const;
    return this.#failSafe.end(jobId, outcome, from, 'runner');
  }
}

export function createJobRunner(options: JobRunnerOptions): JobRunner {
  return new JobRunner(options);
}
