import { EventEmitter } from 'eventemitter3';
import { JobGateError, toJobGateError } from '../domain/errors.js';
import { type Job, jobIdSchema } from '../domain/job.js';
import type { JobEvents } from '../domain/jobEvents.js';
import { isTerminal, type JobStatus } from '../domain/jobStatus.js';
import { needsConfirm } from '../domain/needsConfirm.js';
import { type RefundPolicy, refundDue } from '../domain/refundPolicy.js';
import {
  createSlotPolicy,
  poolCap,
  type SlotPolicy,
  type SlotPolicyOptions,
} from '../domain/slotPolicy.js';
import { type AnyTool, DEFAULT_POOL, ToolRegistry } from '../domain/tool.js';
import type { Billing, CreditLedger, ProviderCost } from '../ports/billing.js';
import { type Clock, systemClock } from '../ports/clock.js';
import type {
  FinishOutcome,
  FinishResult,
  HealResult,
  JobChange,
  JobQuery,
  JobStore,
  SlotOptions,
  StoreCapabilities,
} from '../ports/jobStore.js';
import { isTaskNotFound, type Provider, type ProviderStatus } from '../ports/provider.js';
import { isStoreUnavailable, withStoreDeadline } from './storeDeadline.js';
import { verifyWebhookToken, webhookToken } from './webhookToken.js';

export interface RunnerTimeouts {
  /** A `starting` job older than this is cancelled (STALE_START). Default 15 s. */
  staleStartMs?: number;
  /** A running job with no task id after this is failed (START_LOST), lease or not. Default 60 s. */
  lostStartMs?: number;
  /**
   * The start lease: a process starting a job at the provider holds its slot for this long,
   * renewed (every third of it) while the provider call is in flight. If the process dies,
   * heal ends the job as START_LOST once the lease runs out. Default 15 s.
   */
  startLeaseMs?: number;
  /** A refund claimed by a process that died is taken over after this. Default 60 s. */
  refundClaimMs?: number;
  /** Deadline of every store call; past it the call fails with STORE_UNAVAILABLE. Default 5 s. */
  storeCallMs?: number;
  /** A queued job waiting longer than this is failed (TIMEOUT). Default: no limit. */
  maxQueueMs?: number | null;
  /** Abort a provider start after this. Default 30 s. */
  providerStartMs?: number;
  /** Abort a provider status or cancel call after this. Default 15 s. */
  providerCallMs?: number;
}

export interface RunnerRetry {
  /** Backoff before each retry of a busy or transient provider start. Default 3 s, 8 s, 15 s. */
  backoffMs?: readonly number[];
  /** ± fraction of random jitter on each backoff. Default 0.2. */
  jitter?: number;
  /** Transient provider errors (network, 5xx) are retried until this many attempts. Default 3. */
  maxTransientAttempts?: number;
  /**
   * Past `maxRunMs`, a job whose status calls fail keeps running (polled with backoff) for
   * this many poll intervals of its tool before it ends as TIMEOUT: finished work at the
   * provider is not thrown away because its status could not be read. Default 10.
   */
  statusGracePolls?: number;
}

export interface JobRunnerOptions {
  store: JobStore;
  provider: Provider;
  tools: ToolRegistry | Iterable<AnyTool>;
  policy?: SlotPolicyOptions;
  billing?: Billing;
  /** Which ended jobs get their credits back (see docs/credits.md). Default: all but completed. */
  refundPolicy?: RefundPolicy;
  clock?: Clock;
  /** Callback URLs `{baseUrl}/webhooks/{provider}/{token}` with a per-job HMAC token. */
  webhook?: { baseUrl: string; secret: string };
  timeouts?: RunnerTimeouts;
  retry?: RunnerRetry;
  /**
   * Heal stale jobs inside the requests that need a true picture: the active-job check, a
   * submit refused because of an active job (then retried once), a submit that queued.
   * Default true.
   */
  healOnRequest?: boolean;
  /** In a long-lived process: wake up to retry a backed-off job when its time comes. Default true. */
  wakeTimers?: boolean;
  /** Random source for jitter (inject for determinism). */
  random?: () => number;
}

export interface SubmitRequest {
  /** Client-chosen UUID: the idempotency key. */
  jobId: string;
  tool: string;
  /** From the verified auth token, never from a request body. */
  userId: string;
  input: unknown;
}

export interface CancelRequest {
  jobId: string;
  userId: string;
  /** Needed to cancel a job that really waits in the queue or runs. */
  confirm?: boolean;
}

export interface HealReport {
  healed: Job[];
  promoted: Job[];
  /** Running jobs whose provider status was checked. */
  polled: number;
  /** Jobs ended by the watchdog (finished at the provider, or overdue). */
  watched: Job[];
  refunded: number;
}

export interface SlotsInfo {
  pool: string;
  cap: number;
  running: number;
  queued: number;
}

const CANCEL_MESSAGE = 'CANCELLED_BY_USER: cancelled by the user';

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
  readonly #billing: Billing | undefined;
  readonly #refundPolicy: RefundPolicy;
  readonly #webhook: { baseUrl: string; secret: string } | undefined;
  readonly #timeouts: Required<RunnerTimeouts>;
  readonly #retry: Required<RunnerRetry>;
  readonly #healOnRequest: boolean;
  readonly #wakeTimers: boolean;
  readonly #random: () => number;
  readonly #events = new EventEmitter<JobEvents>();
  #healTimer: unknown;
  /** Watchdog status calls that failed, by job id: how many, and not before when to retry. */
  readonly #statusFailures = new Map<string, { count: number; nextAt: number }>();
  #wakeAt: number | null = null;
  #closed = false;

  constructor(options: JobRunnerOptions) {
    this.store = withStoreDeadline(options.store, options.timeouts?.storeCallMs ?? 5_000);
    this.provider = options.provider;
    this.tools =
      options.tools instanceof ToolRegistry ? options.tools : new ToolRegistry(options.tools);
    this.policy = createSlotPolicy(options.policy, this.tools.list());
    this.clock = options.clock ?? systemClock;
    this.#billing = options.billing;
    this.#refundPolicy = options.refundPolicy ?? {};
    this.#webhook = options.webhook;
    this.#timeouts = {
      staleStartMs: 15_000,
      lostStartMs: 60_000,
      startLeaseMs: 15_000,
      refundClaimMs: 60_000,
      storeCallMs: 5_000,
      maxQueueMs: null,
      providerStartMs: 30_000,
      providerCallMs: 15_000,
      ...options.timeouts,
    };
    this.#retry = {
      backoffMs: [3_000, 8_000, 15_000],
      jitter: 0.2,
      maxTransientAttempts: 3,
      statusGracePolls: 10,
      ...options.retry,
    };
    this.#healOnRequest = options.healOnRequest ?? true;
    this.#wakeTimers = options.wakeTimers ?? true;
    this.#random = options.random ?? Math.random;
  }

  on<E extends keyof JobEvents>(event: E, listener: (...args: JobEvents[E]) => void): () => void {
    this.#events.on(event, listener as never);
    return () => this.#events.off(event, listener as never);
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
    const { jobId, userId } = request;
    if (!jobIdSchema.safeParse(jobId).success) {
      throw new JobGateError('VALIDATION', 'jobId must be a UUID');
    }
    if (typeof userId !== 'string' || userId.length === 0) {
      throw new JobGateError('UNAUTHENTICATED', 'no user', { jobId });
    }
    let tool: AnyTool;
    try {
      tool = this.tools.get(request.tool);
    } catch (error) {
      throw toJobGateError(error, 'VALIDATION', jobId);
    }
    let input: Awaited<ReturnType<AnyTool['parse']>>;
    let price: number;
    try {
      input = await tool.parse(request.input);
      price = tool.price(input);
    } catch (error) {
      throw toJobGateError(error, 'VALIDATION', jobId);
    }
    const newJob = {
      id: jobId,
      tool: tool.id,
      userId,
      pool: tool.pool,
      input,
      userCreditCost: price,
    };
    // Nothing to charge before the slot decision: create and start in one store call (one
    // statement in SQL). With a charge, the intent is recorded between the two.
    const oneStep = !this.#billing || price <= 0;
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
        await this.#healStore().catch((e) => this.#report(e, 'heal'));
        created = await create();
      }
      if (!created.created) return created.job;
      job = created.job;
      placedNow = created.promoted ? { job: created.job, promoted: created.promoted } : null;
    } catch (error) {
      throw toJobGateError(error, 'INTERNAL', jobId);
    }
    this.#emit('created', job);

    try {
      let placement = placedNow;
      if (!placement) {
        await this.#charge(job);
        placement = await this.store.start(job.id, this.#slot());
      }
      const { job: placed, promoted } = placement;
      await this.#launchAll(promoted);
      if (placed.status === 'queued') {
        this.#emit('queued', placed);
        if (!this.#healOnRequest) return placed;
        // Queued only when the cap is really full: a slot held by a lost start is freed
        // now (and the queue head, maybe this job, promoted) rather than at the next tick.
        const { healed } = await this.#healStore(tool.pool).catch((e) => {
          this.#report(e, 'heal');
          return { healed: [] };
        });
        return healed.length > 0 ? ((await this.store.get(job.id)) ?? placed) : placed;
      }
      return await this.#launch(placed);
    } catch (error) {
      const err = toJobGateError(error, 'INTERNAL', jobId);
      // With the database unreachable the fail-safe cannot write either; and a call that
      // timed out may still have committed. Heal (STALE_START), the start lease (START_LOST)
      // and #attachLater settle the job once the database answers again.
      if (!isStoreUnavailable(err)) await this.#failSafe(jobId, err);
      throw err;
    }
  }

  /** A job of the user's (NOT_FOUND for someone else's). */
  async get(jobId: string, userId: string): Promise<Job> {
    const job = await this.store.get(jobId);
    if (!job || job.userId !== userId)
      throw new JobGateError('NOT_FOUND', 'no such job', { jobId });
    return job;
  }

  /** The user's active job after healing stale ones, or null. */
  async active(userId: string): Promise<Job | null> {
    if (this.#healOnRequest) await this.#healStore().catch((e) => this.#report(e, 'heal'));
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
      const result = await this.#finish(
        job.id,
        { status: 'cancelled', errorCode: 'CANCELLED_BY_USER', errorMessage: CANCEL_MESSAGE },
        [job.status],
      );
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
      const result = await this.#finish(
        job.id,
        { status: 'cancelled', errorCode: 'CANCELLED_BY_USER', errorMessage: CANCEL_MESSAGE },
        ['starting', 'queued'],
      );
      if (result.changed) cancelled.push(result.job);
    }
    return cancelled;
  }

  async slots(pool = DEFAULT_POOL): Promise<SlotsInfo> {
    const counts = await this.store.counts(pool);
    return { pool, cap: poolCap(this.policy.limits, pool), ...counts };
  }

  /**
   * The job with this id if it is the user's, null if no job has the id, NOT_FOUND if it is
   * someone else's: how a repeated submit (a double click, a retry) is answered with the job
   * as it is, before any limit applies.
   */
  async find(jobId: string, userId: string): Promise<Job | null> {
    const job = await this.store.get(jobId);
    if (job && job.userId !== userId) {
      throw new JobGateError('NOT_FOUND', 'this job id belongs to no job of yours', { jobId });
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

  /** The callback URL the provider gets for a job, or undefined without `webhook` options. */
  async webhookUrl(jobId: string): Promise<string | undefined> {
    if (!this.#webhook) return undefined;
    const token = await webhookToken(this.#webhook.secret, jobId);
    return `${this.#webhook.baseUrl.replace(/\/+$/, '')}/webhooks/${encodeURIComponent(this.provider.id)}/${token}`;
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
  async applyUpdate(jobId: string, update: ProviderStatus & { taskId?: string }): Promise<Job> {
    // An outcome is one store call: finish checks (and records) the task id itself, so the
    // slot is handed on without a read before it.
    if (update.state === 'completed') {
      const result = await this.#finish(
        jobId,
        { status: 'completed', output: update.output ?? null },
        ['running'],
        update.taskId,
      );
      if (result.changed && update.cost) await this.#recordCost(result.job, update.cost);
      // A result for a job already ended (TIMEOUT, START_LOST, TASK_LOST) is kept on it.
      if (result.changed || result.job.status !== 'failed') return result.job;
      return this.#lateUpdate(result.job, update);
    }
    if (update.state === 'failed' || update.state === 'cancelled') {
      const text = update.error
        ? `${update.error.message} (provider code ${update.error.code})`
        : `the provider reported the task ${update.state}`;
      return (
        await this.#finish(
          jobId,
          {
            status: 'failed',
            errorCode: 'PROVIDER_ERROR',
            errorMessage: `PROVIDER_ERROR: ${text}`,
          },
          ['running'],
          update.taskId,
        )
      ).job;
    }
    const job = await this.store.get(jobId);
    if (!job) throw new JobGateError('NOT_FOUND', 'no such job', { jobId });
    if (update.taskId !== undefined && job.taskId !== null && update.taskId !== job.taskId) {
      throw new JobGateError('VALIDATION', 'the update is for another task', { jobId });
    }
    const now = this.clock.now();
    if (isTerminal(job.status)) return this.#lateUpdate(job, update);
    if (job.status !== 'running') return job;
    let current = job;
    if (current.taskId === null && update.taskId !== undefined) {
      current = await this.store.attachTask(jobId, update.taskId, now);
    }
    switch (update.state) {
      case 'pending':
      case 'running': {
        if (update.progress !== undefined && update.progress !== current.progress) {
          current = await this.store.progress(jobId, clamp01(update.progress), now);
          this.#emit('progress', current);
        }
        return current;
      }
      default:
        return current;
    }
  }

  async #lateUpdate(job: Job, update: ProviderStatus & { taskId?: string }): Promise<Job> {
    if (update.state === 'completed' && job.status === 'failed') {
      // The job stays failed (its end was already announced); subscribers of the store see
      // the output arrive as a change of the row.
      const { job: kept } = await this.store.recordLateOutput(
        job.id,
        { taskId: update.taskId ?? null, output: update.output ?? null },
        this.clock.now(),
      );
      return kept;
    }
    if (
      (update.state === 'running' || update.state === 'pending') &&
      update.taskId !== undefined &&
      job.taskId === null &&
      job.status !== 'completed'
    ) {
      await this.#cancelAtProvider({ ...job, taskId: update.taskId });
    }
    return job;
  }

  /**
   * `POST /webhooks/:provider/:token`: checks the per-job token (constant time), parses the
   * provider's callback and applies it. Throws UNAUTHENTICATED for a bad token and
   * VALIDATION for a malformed body; a duplicate or late delivery changes nothing.
   */
  async handleWebhook(token: string, request: Request): Promise<Job> {
    if (!this.#webhook) throw new JobGateError('FORBIDDEN', 'webhooks are not configured');
    const jobId = await verifyWebhookToken(this.#webhook.secret, token);
    const update = await this.provider.parseWebhook(request);
    return this.applyUpdate(jobId, update);
  }

  /**
   * Ends what outlived its window, promotes into freed slots, polls running jobs that
   * went quiet (lost webhooks), ends overdue ones after asking the provider, and pays
   * refunds still owed. For a scheduler or {@link startHealing}.
   */
  async heal(): Promise<HealReport> {
    const { healed, promoted } = await this.#healStore();
    const report: HealReport = { healed, promoted, polled: 0, watched: [], refunded: 0 };
    const now = this.clock.now();
    const running = await this.store.list({ status: ['running'] });
    const live = new Set(running.map((j) => j.id));
    for (const id of this.#statusFailures.keys())
      if (!live.has(id)) this.#statusFailures.delete(id);
    for (const job of running) {
      if (job.taskId === null || !this.tools.has(job.tool)) continue;
      const after = await this.#watch(job, now).catch((e) => {
        this.#report(e, 'watchdog', job.id);
        return null;
      });
      if (after === 'skipped') continue;
      report.polled++;
      if (after && isTerminal(after.status)) report.watched.push(after);
    }
    // Refunds still owed: the process died between ending a job and refunding it, or while
    // it held the refund claim.
    for (const creditState of ['charged', 'refunding'] as const) {
      const owed = await this.store.list({
        status: ['failed', 'cancelled'],
        creditState,
        limit: 100,
      });
      // A `charged` job is settled by the refund policy; a `refunding` one was owed already.
      for (const job of owed)
        if (await (creditState === 'charged' ? this.#settle(job) : this.#refund(job)))
          report.refunded++;
    }
    return report;
  }

  /**
   * The watchdog for one running job with a task: asks the provider when the job went quiet,
   * ran past its tool's `maxRunMs`, or is an old row without `started_at`. Ends it when the
   * provider says it ended, does not know the task (TASK_LOST), or it is overdue (TIMEOUT);
   * a status call that fails past `maxRunMs` is retried with backoff within a grace period.
   */
  async #watch(job: Job, now: number): Promise<Job | 'skipped' | null> {
    const taskId = job.taskId!;
    const tool = this.tools.get(job.tool);
    const since = Date.parse(job.startedAt ?? job.createdAt);
    const overdue = now - since > tool.maxRunMs;
    const graceOver =
      now - since > tool.maxRunMs + this.#retry.statusGracePolls * tool.pollIntervalMs;
    const quiet = now - Date.parse(job.updatedAt) > tool.pollIntervalMs;
    if (!overdue && !quiet && job.startedAt !== null) return 'skipped';
    const failures = this.#statusFailures.get(job.id);
    if (failures && failures.nextAt > now && !graceOver) return 'skipped';
    let status: ProviderStatus;
    try {
      const signal = this.#signal(this.#timeouts.providerCallMs);
      status = await untilAborted(this.provider.status(taskId, { job, tool, signal }), signal);
      this.#statusFailures.delete(job.id);
    } catch (error) {
      this.#report(error, 'watchdog', job.id);
      const count = (failures?.count ?? 0) + 1;
      const backoff = tool.pollIntervalMs * 2 ** Math.min(count - 1, 3);
      this.#statusFailures.set(job.id, { count, nextAt: now + backoff });
      // The provider could not say: the task may have finished. Only past the grace period
      // does the job end as overdue.
      if (!graceOver) return job;
      return this.#endOverdue(job, tool.maxRunMs);
    }
    if (isTaskNotFound(status)) {
      this.#statusFailures.delete(job.id);
      return (
        await this.#finish(
          job.id,
          {
            status: 'failed',
            errorCode: 'TASK_LOST',
            errorMessage: `TASK_LOST: the provider does not know task ${taskId}${
              status.error ? ` (${status.error.message})` : ''
            }`,
          },
          ['running'],
        )
      ).job;
    }
    const after = await this.applyUpdate(job.id, { ...status, taskId });
    if (after.status === 'running' && overdue) return this.#endOverdue(after, tool.maxRunMs);
    return after;
  }

  async #endOverdue(job: Job, maxRunMs: number): Promise<Job> {
    this.#statusFailures.delete(job.id);
    await this.#cancelAtProvider(job);
    return (
      await this.#finish(
        job.id,
        {
          status: 'failed',
          errorCode: 'TIMEOUT',
          errorMessage: `TIMEOUT: the job ran longer than ${maxRunMs} ms`,
        },
        ['running'],
      )
    ).job;
  }

  /**
   * Runs {@link heal} every `intervalMs` (default 4 s) in a long-lived process; returns stop.
   * With the 15 s start lease, a dead instance's slots are in use again within 15 s + one tick.
   */
  startHealing(intervalMs = 4_000): () => void {
    const tick = () => {
      if (this.#closed) return;
      this.heal()
        .catch((e) => this.#report(e, 'heal'))
        .finally(() => {
          if (!this.#closed) this.#healTimer = this.clock.setTimeout(tick, intervalMs);
        });
    };
    this.#healTimer = this.clock.setTimeout(tick, intervalMs);
    return () => this.close();
  }

  /** Stops timers. The store is the caller's to close. */
  close(): void {
    this.#closed = true;
    if (this.#healTimer !== undefined) this.clock.clearTimeout(this.#healTimer as never);
  }

  // ——— internals ———

  #slot(): SlotOptions {
    return { limits: this.policy.limits, now: this.clock.now() };
  }

  /** Heals one pool (a submit's own), or every pool one at a time. */
  async #healStore(pool?: string): Promise<HealResult> {
    const result = await this.store.heal({
      ...this.#slot(),
      ...(pool === undefined ? {} : { pool }),
      staleStartMs: this.#timeouts.staleStartMs,
      lostStartMs: this.#timeouts.lostStartMs,
      maxQueueMs: this.#timeouts.maxQueueMs,
      leaseMs: this.#timeouts.startLeaseMs,
    });
    for (const job of result.healed) {
      this.#emit('healed', job);
      await this.#afterEnd(job, []);
    }
    await this.#launchAll(result.promoted);
    return result;
  }

  /** Ends a job (compare-and-set on `from`), then refunds, cancels at the provider and promotes. */
  async #finish(
    jobId: string,
    outcome: FinishOutcome,
    from: readonly JobStatus[],
    taskId?: string,
  ): Promise<FinishResult> {
    const result = await this.store.finish(jobId, outcome, {
      ...this.#slot(),
      from,
      ...(taskId === undefined ? {} : { taskId }),
    });
    if (result.changed) {
      if (outcome.status !== 'completed' && from.includes('running'))
        await this.#cancelAtProvider(result.job);
      await this.#afterEnd(result.job, result.promoted);
    }
    return result;
  }

  async #afterEnd(job: Job, promoted: readonly Job[]): Promise<void> {
    if (job.status === 'completed' || job.status === 'failed' || job.status === 'cancelled')
      this.#emit(job.status, job);
    if (job.creditState === 'charged' && job.status !== 'completed') await this.#settle(job);
    await this.#launchAll(promoted);
  }

  /** FailSafe: the job ends failed, with its slot released and credits refunded. Never throws. */
  async #failSafe(jobId: string, error: JobGateError): Promise<Job | null> {
    try {
      const result = await this.#finish(
        jobId,
        { status: 'failed', errorCode: error.code, errorMessage: error.toJobMessage() },
        ['starting', 'queued', 'running'],
      );
      return result.job;
    } catch (failure) {
      // The store itself failed: healing ends the job within its window.
      this.#report(failure, 'failsafe', jobId);
      return null;
    }
  }

  async #charge(job: Job): Promise<void> {
    if (!this.#billing || job.userCreditCost <= 0) return;
    // Intent first: if the process dies after charging, healing refunds (billing is idempotent).
    if (!(await this.store.setCreditState(job.id, 'none', 'charged', this.clock.now()))) return;
    job.creditState = 'charged';
    try {
      await this.#billing.charge(job);
    } catch (error) {
      // Only a refusal is known to have charged nothing. Any other failure (a timeout after
      // the database committed, say) may have charged: the job stays `charged`, so the
      // FailSafe's refund settles it (a refund of an uncharged job is a no-op).
      if (error instanceof JobGateError && error.code === 'INSUFFICIENT_CREDITS') {
        await this.store.setCreditState(job.id, 'charged', 'none', this.clock.now());
        job.creditState = 'none';
      }
      throw toJobGateError(error, 'INSUFFICIENT_CREDITS', job.id);
    }
  }

  /** The provider's cost beside the credits, where the ledger keeps costs (margin per tool). */
  async #recordCost(job: Job, cost: ProviderCost): Promise<void> {
    const ledger = this.#billing as Partial<CreditLedger> | undefined;
    if (typeof ledger?.recordCost !== 'function') return;
    try {
      await ledger.recordCost(job, cost);
    } catch (error) {
      this.#report(error, 'cost', job.id);
    }
  }

  /** A charged job that did not complete: refunded, or its charge kept, by the refund policy. */
  async #settle(job: Job): Promise<boolean> {
    const tool = this.tools.has(job.tool) ? this.tools.get(job.tool) : undefined;
    if (refundDue(job, this.#refundPolicy, tool)) return this.#refund(job);
    try {
      await this.store.setCreditState(job.id, 'charged', 'kept', this.clock.now());
    } catch (error) {
      this.#report(error, 'refund', job.id);
    }
    return false;
  }

  /**
   * Pays a refund at most once: the store's compare-and-set claims it (`charged` →
   * `refunding`) before Billing is called, so of several processes healing at once only the
   * claimer pays. A claim whose process died is taken over after `refundClaimMs`.
   */
  async #refund(job: Job): Promise<boolean> {
    if (!this.#billing) return false;
    const now = this.clock.now();
    let claimed: Job | null;
    try {
      claimed = await this.store.claimRefund(job.id, now, this.#timeouts.refundClaimMs);
    } catch (error) {
      this.#report(error, 'refund', job.id);
      return false;
    }
    if (!claimed) return false;
    try {
      await this.#billing.refund(claimed);
    } catch (error) {
      this.#report(error, 'refund', job.id);
      // Give the claim back, so the next heal tries again at once.
      await this.store
        .setCreditState(job.id, 'refunding', 'charged', this.clock.now())
        .catch((e) => this.#report(e, 'refund', job.id));
      return false;
    }
    try {
      return await this.store.setCreditState(job.id, 'refunding', 'refunded', this.clock.now());
    } catch (error) {
      // Paid but not recorded: the claim goes stale and is paid again later, which
      // Billing's idempotency by job id absorbs (the only case that relies on it).
      this.#report(error, 'refund', job.id);
      return true;
    }
  }

  async #launchAll(jobs: readonly Job[]): Promise<void> {
    await Promise.all(
      jobs.map(async (job) => {
        try {
          await this.#launch(job);
        } catch (error) {
          const err = toJobGateError(error, 'PROVIDER_ERROR', job.id);
          if (!isStoreUnavailable(err)) await this.#failSafe(job.id, err);
        }
      }),
    );
  }

  /**
   * Starts a running job at the provider, holding its start lease while the call is in
   * flight. Busy/transient answers send it back to the queue head.
   */
  async #launch(job: Job): Promise<Job> {
    const tool = this.tools.get(job.tool);
    let taskId: string;
    const lease = this.#holdLease(job.id);
    try {
      const webhookUrl = await this.webhookUrl(job.id);
      const signal = this.#signal(this.#timeouts.providerStartMs);
      ({ taskId } = await untilAborted(
        this.provider.start({ job, tool, webhookUrl, signal }),
        signal,
      ));
    } catch (error) {
      lease.stop();
      const err = toJobGateError(error, 'PROVIDER_ERROR', job.id);
      const retry =
        err.kind === 'busy' ||
        (err.kind === 'transient' && job.attempts + 1 < this.#retry.maxTransientAttempts);
      if (!retry) throw err;
      const delay = this.#backoff(job.attempts, err.retryAfterMs);
      const now = this.clock.now();
      const { job: queued, promoted } = await this.store.requeue(job.id, {
        limits: this.policy.limits,
        now,
        retryAt: now + delay,
        errorCode: err.code,
        errorMessage: err.toJobMessage(),
      });
      this.#emit('queued', queued);
      this.#scheduleWake(now + delay);
      await this.#launchAll(promoted);
      return queued;
    }
    try {
      const started = await this.store.attachTask(job.id, taskId, this.clock.now());
      lease.stop();
      this.#emit('started', started);
      return started;
    } catch (error) {
      if (isStoreUnavailable(error)) {
        // The provider runs the task but the database cannot record it: keep the lease and
        // record the task once the database answers, so the task is never left unfollowed.
        this.#attachLater(job, taskId, lease.stop);
        throw toJobGateError(error, 'STORE_UNAVAILABLE', job.id);
      }
      lease.stop();
      const current = await this.store.get(job.id);
      if (current && isTerminal(current.status)) {
        // Cancelled or healed while the provider was starting it: do not leave the task running.
        if (current.status !== 'completed') await this.#cancelAtProvider({ ...current, taskId });
        return current;
      }
      // The job is about to fail without the task on record: cancel the task, not orphan it.
      await this.#cancelAtProvider({ ...(current ?? job), taskId });
      throw error;
    }
  }

  /**
   * Renews the job's start lease every third of `startLeaseMs` until stopped: the slot stays
   * this process's while its provider call is in flight, and frees itself if the process dies.
   */
  #holdLease(jobId: string): { stop: () => void } {
    const ms = this.#timeouts.startLeaseMs;
    let stopped = false;
    let handle: ReturnType<Clock['setTimeout']> | undefined;
    const renew = () => {
      handle = undefined;
      if (stopped || this.#closed) return;
      const now = this.clock.now();
      this.store
        .renewLeases([jobId], now + ms, now)
        .catch((e) => this.#report(e, 'lease', jobId))
        .finally(() => {
          if (!stopped && !this.#closed) handle = this.clock.setTimeout(renew, ms / 3);
        });
    };
    handle = this.clock.setTimeout(renew, ms / 3);
    return {
      stop: () => {
        stopped = true;
        if (handle !== undefined) this.clock.clearTimeout(handle);
        handle = undefined;
      },
    };
  }

  /**
   * Records a task the provider accepted while the database was unreachable: retried every
   * second until it is recorded, or the job turns out to be ended (then the task is cancelled
   * at the provider), or the job's lost-start window has passed (heal has ended it by then).
   */
  #attachLater(job: Job, taskId: string, stopLease: () => void): void {
    const until = this.clock.now() + this.#timeouts.lostStartMs + 60_000;
    const attempt = () => {
      if (this.#closed) return stopLease();
      this.store
        .attachTask(job.id, taskId, this.clock.now())
        .then((started) => {
          stopLease();
          this.#emit('started', started);
        })
        .catch(async (error: unknown) => {
          if (isStoreUnavailable(error) && this.clock.now() < until) {
            this.clock.setTimeout(attempt, 1_000);
            return;
          }
          stopLease();
          const current = await this.store.get(job.id).catch(() => null);
          if (current && isTerminal(current.status) && current.status !== 'completed')
            await this.#cancelAtProvider({ ...current, taskId });
          else this.#report(error, 'attach', job.id);
        });
    };
    this.clock.setTimeout(attempt, 1_000);
  }

  async #cancelAtProvider(job: Job): Promise<void> {
    if (job.taskId === null || !this.tools.has(job.tool)) return;
    try {
      await this.provider.cancel(job.taskId, {
        job,
        tool: this.tools.get(job.tool),
        signal: this.#signal(this.#timeouts.providerCallMs),
      });
    } catch (error) {
      this.#report(error, 'provider-cancel', job.id);
    }
  }

  #backoff(attempt: number, retryAfterMs: number | undefined): number {
    const steps = this.#retry.backoffMs;
    const base = steps[Math.min(attempt, steps.length - 1)] ?? 3_000;
    const jitter = 1 + (this.#random() * 2 - 1) * this.#retry.jitter;
    return Math.max(retryAfterMs ?? 0, Math.round(base * jitter));
  }

  #scheduleWake(at: number): void {
    if (!this.#wakeTimers || this.#closed) return;
    if (this.#wakeAt !== null && this.#wakeAt <= at) return;
    this.#wakeAt = at;
    this.clock.setTimeout(
      () => {
        this.#wakeAt = null;
        if (this.#closed) return;
        this.store
          .promote(this.#slot())
          .then((promoted) => this.#launchAll(promoted))
          .then(async () => {
            // Someone may still be waiting on a later backoff.
            const next = (await this.store.queue()).find((j) => j.retryAt !== null);
            if (next?.retryAt)
              this.#scheduleWake(Math.max(Date.parse(next.retryAt), this.clock.now() + 1));
          })
          .catch((e) => this.#report(e, 'wake'));
      },
      Math.max(0, at - this.clock.now()),
    );
  }

  #signal(ms: number): AbortSignal {
    return AbortSignal.timeout(ms);
  }

  #emit(
    event:
      | 'created'
      | 'queued'
      | 'started'
      | 'progress'
      | 'completed'
      | 'failed'
      | 'cancelled'
      | 'healed',
    job: Job,
  ): void {
    this.#events.emit(event, job);
  }

  #report(error: unknown, during: string, jobId?: string): void {
    const err = error instanceof Error ? error : new Error(String(error));
    if (this.#events.listenerCount('error') > 0) this.#events.emit('error', err, { jobId, during });
  }
}

const clamp01 = (n: number): number => Math.min(1, Math.max(0, n));

/** A provider call that ignores its signal still ends when the signal fires. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

export function createJobRunner(options: JobRunnerOptions): JobRunner {
  return new JobRunner(options);
}
