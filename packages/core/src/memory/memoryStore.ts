import { JobGateError } from '../domain/errors.js';
import {
  type CreditState,
  isoAt,
  type Job,
  type JsonValue,
  jobRecord,
  type NewJob,
} from '../domain/job.js';
import {
  ACTIVE_STATUSES,
  assertTransition,
  isTerminal,
  type JobStatus,
} from '../domain/jobStatus.js';
import { keepsLateOutput } from '../domain/keepsLateOutput.js';
import { movedQueues, type QueueChange } from '../domain/movedQueues.js';
import type {
  CreateOptions,
  CreateResult,
  FinishOptions,
  FinishOutcome,
  FinishResult,
  HealOptions,
  JobChange,
  JobQuery,
  JobStore,
  RequeueOptions,
  SlotOptions,
  StartResult,
  StoreCapabilities,
  StoreHealResult,
} from '../ports/jobStore.js';
import { ChangeFeed } from './changeFeed.js';
import { healJobs } from './healJobs.js';
import { JobTable } from './jobTable.js';
import { MemorySlots } from './memorySlots.js';

/**
 * The in-process store, the embedded default. Every method runs synchronously to its end
 * before returning a promise, so each is atomic in one process, like a locked transaction.
 * Not shared between processes: use @jobgate/postgres for that.
 */
export class MemoryStore implements JobStore {
  readonly capabilities: StoreCapabilities = {
    durable: false,
    shared: false,
    crossProcessEvents: false,
  };
  readonly #table = new JobTable();
  readonly #feed = new ChangeFeed(this.#table);
  readonly #slots = new MemorySlots(this.#table, this.#feed);

  async create(input: NewJob, options: CreateOptions): Promise<CreateResult> {
    const existing = this.#table.sameJob(input);
    if (existing) return { job: existing, created: false };
    this.#table.checkActiveLimit(input.userId, options.maxActivePerUser);
    const job = jobRecord(input, options.now);
    this.#table.add(job);
    this.#feed.changed(job);
    if (options.start) {
      const started = await this.start(job.id, { limits: options.start, now: options.now });
      return { job: started.job, created: true, promoted: started.promoted };
    }
    return { job: this.#table.view(job), created: true };
  }

  async createFailed(
    input: NewJob,
    error: { errorCode: string; errorMessage: string },
    now: number,
  ): Promise<CreateResult> {
    const existing = this.#table.sameJob(input);
    if (existing) return { job: existing, created: false };
    const job: Job = {
      ...jobRecord(input, now),
      status: 'failed',
      errorCode: error.errorCode,
      errorMessage: error.errorMessage,
      completedAt: isoAt(now),
    };
    this.#table.add(job);
    this.#feed.changed(job);
    return { job: this.#table.view(job), created: true };
  }

  async get(id: string): Promise<Job | null> {
    const job = this.#table.get(id);
    return job ? this.#table.view(job) : null;
  }

  async start(id: string, options: SlotOptions): Promise<StartResult> {
    const job = this.#table.require(id);
    assertTransition(job.status, 'running', id);
    if (job.status !== 'starting') {
      throw new JobGateError(
        'INVALID_TRANSITION',
        `only a starting job can be started (it is ${job.status})`,
        { jobId: id },
      );
    }
    const promoted = this.#table.views(this.#slots.place(job, options));
    this.#moved({ promoted });
    return { job: this.#table.view(job), promoted };
  }

  async attachTask(id: string, taskId: string, now: number): Promise<Job> {
    const job = this.#requireRunning(id, 'a task can only be attached to a running job');
    if (job.taskId !== null && job.taskId !== taskId) {
      throw new JobGateError('CONFLICT', `job already has task ${job.taskId}`, { jobId: id });
    }
    job.taskId = taskId;
    // The start is done: no lease, and an earlier busy answer is no longer the job's state.
    this.#table.dropLease(id);
    job.errorCode = null;
    job.errorMessage = null;
    job.retryAt = null;
    return this.#written(job, now);
  }

  async progress(id: string, progress: number, now: number): Promise<Job> {
    const job = this.#requireRunning(id, 'progress only applies to a running job');
    if (!(progress >= 0 && progress <= 1))
      throw new JobGateError('VALIDATION', 'progress must be within 0..1', { jobId: id });
    job.progress = progress;
    return this.#written(job, now);
  }

  async requeue(id: string, options: RequeueOptions): Promise<StartResult> {
    const job = this.#table.require(id);
    if (job.status !== 'running' || job.taskId !== null) {
      throw new JobGateError(
        'INVALID_TRANSITION',
        'only a running job without a task can go back to the queue',
        { jobId: id },
      );
    }
    const promoted = this.#table.views(this.#slots.requeue(job, options));
    const requeued = this.#table.view(job);
    this.#moved({ requeued, promoted });
    return { job: requeued, promoted };
  }

  async finish(id: string, outcome: FinishOutcome, options: FinishOptions): Promise<FinishResult> {
    const job = this.#table.require(id);
    const from: readonly JobStatus[] = options.from ?? ACTIVE_STATUSES;
    if (options.taskId !== undefined && job.taskId !== null && job.taskId !== options.taskId) {
      throw new JobGateError('VALIDATION', 'the update is for another task', { jobId: id });
    }
    if (isTerminal(job.status) || !from.includes(job.status)) {
      return { job: this.#table.view(job), changed: false, promoted: [] };
    }
    assertTransition(job.status, outcome.status, id);
    if (job.status === 'running' && options.taskId !== undefined) job.taskId ??= options.taskId;
    this.#slots.end(job, outcome, options.now);
    const promoted = this.#table.views(this.#slots.promote(job.pool, options));
    const ended = this.#table.view(job);
    this.#moved({ ended: [ended], promoted });
    return { job: ended, changed: true, promoted };
  }

  async promote(options: SlotOptions): Promise<Job[]> {
    const promoted = this.#table.views(this.#slots.promoteAll(options));
    this.#moved({ promoted });
    return promoted;
  }

  async heal(options: HealOptions): Promise<StoreHealResult> {
    const result = healJobs(this.#table, this.#slots, options);
    this.#moved({ ended: result.healed, promoted: result.promoted });
    return result;
  }

  async claimRefund(id: string, now: number, staleMs: number): Promise<Job | null> {
    const job = this.#table.require(id);
    if (job.status !== 'failed' && job.status !== 'cancelled') return null;
    const stale = job.creditState === 'refunding' && Date.parse(job.updatedAt) < now - staleMs;
    if (job.creditState !== 'charged' && !stale) return null;
    job.creditState = 'refunding';
    return this.#written(job, now);
  }

  async renewLeases(ids: readonly string[], until: number, _now: number): Promise<number> {
    let renewed = 0;
    for (const id of ids) {
      const job = this.#table.get(id);
      if (job?.status !== 'running' || job.taskId !== null) continue;
      this.#table.renewLease(id, until);
      renewed++;
    }
    return renewed;
  }

  async recordLateOutput(
    id: string,
    update: { taskId: string | null; output: JsonValue },
    now: number,
  ): Promise<{ job: Job; changed: boolean }> {
    const job = this.#table.require(id);
    if (!keepsLateOutput(job, update.taskId)) return { job: this.#table.view(job), changed: false };
    job.output = structuredClone(update.output);
    job.taskId ??= update.taskId;
    return { job: this.#written(job, now), changed: true };
  }

  async setCreditState(
    id: string,
    from: CreditState,
    to: CreditState,
    now: number,
  ): Promise<boolean> {
    const job = this.#table.require(id);
    if (job.creditState !== from) return false;
    job.creditState = to;
    this.#written(job, now);
    return true;
  }

  async findActive(userId: string): Promise<Job | null> {
    const active = this.#table.activeOf(userId);
    return active[0] ? this.#table.view(active[0]) : null;
  }

  async list(query: JobQuery): Promise<Job[]> {
    return this.#table.list(query);
  }

  async queue(pool?: string): Promise<Job[]> {
    return this.#table.queue(pool);
  }

  async counts(pool: string): Promise<{ running: number; queued: number }> {
    return this.#table.counts(pool);
  }

  subscribe(
    listener: (change: JobChange) => void,
    onQueueMoved?: (pool: string) => void,
  ): () => void {
    return this.#feed.subscribe(listener, onQueueMoved);
  }

  async close(): Promise<void> {
    this.#feed.close();
  }

  /** The raw rows, for tests that check invariants independently of the store's methods. */
  snapshot(): Job[] {
    return this.#table.views(this.#table.rows());
  }

  /** Writes a row as is (legacy data, crash scenarios). Bypasses every rule: tests only. */
  unsafeInsert(job: Job): void {
    this.#table.unsafeInsert(job);
  }

  /** The row of `id`, which must be running: `refusal` says why another is refused. */
  #requireRunning(id: string, refusal: string): Job {
    const job = this.#table.require(id);
    if (job.status !== 'running') {
      throw new JobGateError('INVALID_TRANSITION', `${refusal} (it is ${job.status})`, {
        jobId: id,
      });
    }
    return job;
  }

  /** Announces the queues a call moved (the rule is movedQueues'). */
  #moved(change: QueueChange): void {
    for (const pool of movedQueues(change)) this.#feed.queueMoved(pool);
  }

  /** Stamps and announces a row changed in place; returns it as the API shows it. */
  #written(job: Job, now: number): Job {
    job.updatedAt = isoAt(now);
    this.#feed.changed(job);
    return this.#table.view(job);
  }
}
