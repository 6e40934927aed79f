import { EventEmitter } from 'eventemitter3';
import { JobGateError } from '../domain/errors.js';
import {
  type CreditState,
  isoAt,
  type Job,
  type JsonValue,
  jobRecord,
  type NewJob,
} from '../domain/job.js';
import { assertTransition, isActive, isTerminal, type JobStatus } from '../domain/jobStatus.js';
import { newJobRuns, selectPromotions } from '../domain/slotPolicy.js';
import type {
  CreateOptions,
  CreateResult,
  FinishOptions,
  FinishOutcome,
  FinishResult,
  HealOptions,
  HealResult,
  JobChange,
  JobQuery,
  JobStore,
  RequeueOptions,
  SlotOptions,
  StartResult,
  StoreCapabilities,
} from '../ports/jobStore.js';

const ACTIVE: readonly JobStatus[] = ['starting', 'queued', 'running'];
/** Failed jobs whose late provider result is kept (see recordLateOutput). */
const LATE_OUTPUT_CODES: readonly (string | null)[] = ['TIMEOUT', 'START_LOST', 'TASK_LOST'];

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
  readonly #jobs = new Map<string, Job>();
  /** Queue order key: lower runs first. Requeue at the head takes min - 1. */
  readonly #queueSeq = new Map<string, number>();
  #seq = 0;
  /** Start leases renewed by renewLeases (ms), by job id. */
  readonly #leases = new Map<string, number>();
  readonly #events = new EventEmitter<{ change: [JobChange]; queue: [string] }>();

  async create(input: NewJob, options: CreateOptions): Promise<CreateResult> {
    const existing = this.#jobs.get(input.id);
    if (existing) return { job: this.#checkSame(existing, input), created: false };
    const active = this.#activeOf(input.userId);
    if (active.length >= options.maxActivePerUser) {
      throw new JobGateError('ACTIVE_JOB_EXISTS', 'you already have an active job', {
        jobId: active[0]!.id,
        details: { activeJobId: active[0]!.id, activeStatus: active[0]!.status },
      });
    }
    const job = this.#newJob(input, 'starting', options.now);
    this.#jobs.set(job.id, job);
    this.#emit(job);
    if (options.start) {
      const started = await this.start(job.id, { limits: options.start, now: options.now });
      return { job: started.job, created: true, promoted: started.promoted };
    }
    return { job: this.#view(job), created: true };
  }

  async createFailed(
    input: NewJob,
    error: { errorCode: string; errorMessage: string },
    now: number,
  ): Promise<CreateResult> {
    const existing = this.#jobs.get(input.id);
    if (existing) return { job: this.#checkSame(existing, input), created: false };
    const job: Job = {
      ...this.#newJob(input, 'failed', now),
      errorCode: error.errorCode,
      errorMessage: error.errorMessage,
      completedAt: isoAt(now),
    };
    this.#jobs.set(job.id, job);
    this.#emit(job);
    return { job: this.#view(job), created: true };
  }

  async get(id: string): Promise<Job | null> {
    const job = this.#jobs.get(id);
    return job ? this.#view(job) : null;
  }

  async start(id: string, options: SlotOptions): Promise<StartResult> {
    const job = this.#require(id);
    assertTransition(job.status, 'running', id);
    if (job.status !== 'starting') {
      throw new JobGateError(
        'INVALID_TRANSITION',
        `only a starting job can be started (it is ${job.status})`,
        { jobId: id },
      );
    }
    const promoted = this.#promote(job.pool, options);
    const queue = this.#queueOf(job.pool);
    if (newJobRuns(job, queue, this.#running(), options.limits, options.now)) {
      this.#toRunning(job, options.now);
    } else {
      this.#enqueue(job, options.now, 'tail');
    }
    return { job: this.#view(job), promoted: promoted.map(clone) };
  }

  async attachTask(id: string, taskId: string, now: number): Promise<Job> {
    const job = this.#require(id);
    if (job.status !== 'running') {
      throw new JobGateError(
        'INVALID_TRANSITION',
        `a task can only be attached to a running job (it is ${job.status})`,
        { jobId: id },
      );
    }
    if (job.taskId !== null && job.taskId !== taskId) {
      throw new JobGateError('CONFLICT', `job already has task ${job.taskId}`, { jobId: id });
    }
    job.taskId = taskId;
    job.updatedAt = isoAt(now);
    // The start is done: no lease, and an earlier busy answer is no longer the job's state.
    this.#leases.delete(id);
    job.errorCode = null;
    job.errorMessage = null;
    job.retryAt = null;
    this.#emit(job);
    return this.#view(job);
  }

  async progress(id: string, progress: number, now: number): Promise<Job> {
    const job = this.#require(id);
    if (job.status !== 'running') {
      throw new JobGateError(
        'INVALID_TRANSITION',
        `progress only applies to a running job (it is ${job.status})`,
        { jobId: id },
      );
    }
    if (!(progress >= 0 && progress <= 1))
      throw new JobGateError('VALIDATION', 'progress must be within 0..1', { jobId: id });
    job.progress = progress;
    job.updatedAt = isoAt(now);
    this.#emit(job);
    return this.#view(job);
  }

  async requeue(id: string, options: RequeueOptions): Promise<StartResult> {
    const job = this.#require(id);
    if (job.status !== 'running' || job.taskId !== null) {
      throw new JobGateError(
        'INVALID_TRANSITION',
        'only a running job without a task can go back to the queue',
        { jobId: id },
      );
    }
    job.attempts += 1;
    job.retryAt = isoAt(options.retryAt);
    job.errorCode = options.errorCode;
    job.errorMessage = options.errorMessage;
    job.startedAt = null;
    this.#enqueue(job, options.now, 'head');
    const promoted = this.#promote(job.pool, options);
    return { job: this.#view(job), promoted: promoted.map(clone) };
  }

  async finish(id: string, outcome: FinishOutcome, options: FinishOptions): Promise<FinishResult> {
    const job = this.#require(id);
    const from = options.from ?? ACTIVE;
    if (options.taskId !== undefined && job.taskId !== null && job.taskId !== options.taskId) {
      throw new JobGateError('VALIDATION', 'the update is for another task', { jobId: id });
    }
    if (isTerminal(job.status) || !from.includes(job.status)) {
      return { job: this.#view(job), changed: false, promoted: [] };
    }
    assertTransition(job.status, outcome.status, id);
    const inQueue = this.#queueSeq.has(id);
    if (job.status === 'running' && options.taskId !== undefined) job.taskId ??= options.taskId;
    const now = options.now;
    job.status = outcome.status;
    job.completedAt = isoAt(now);
    job.updatedAt = isoAt(now);
    job.position = null;
    job.retryAt = null;
    if (outcome.status === 'completed') {
      job.output = outcome.output ?? null;
      job.errorCode = null;
      job.errorMessage = null;
      job.progress = 1;
    } else {
      job.errorCode = outcome.errorCode;
      job.errorMessage = outcome.errorMessage;
    }
    this.#queueSeq.delete(id);
    this.#emit(job);
    if (inQueue) this.#queueMoved(job.pool);
    const promoted = this.#promote(job.pool, options);
    return { job: this.#view(job), changed: true, promoted: promoted.map(clone) };
  }

  async promote(options: SlotOptions): Promise<Job[]> {
    return this.#promoteAll(options).map(clone);
  }

  /** Promotes pool by pool, in pool name order (as the SQL stores do). */
  #promoteAll(options: SlotOptions, only?: string): Job[] {
    const pools = [
      ...new Set([...this.#jobs.values()].filter((j) => j.status === 'queued').map((j) => j.pool)),
    ]
      .filter((pool) => only === undefined || pool === only)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const promoted: Job[] = [];
    for (const pool of pools) promoted.push(...this.#promote(pool, options));
    return promoted;
  }

  async heal(options: HealOptions): Promise<HealResult> {
    const { now } = options;
    const healed: Job[] = [];
    const end = (job: Job, status: 'failed' | 'cancelled', code: string, text: string) => {
      const inQueue = this.#queueSeq.has(job.id);
      job.status = status;
      job.errorCode = code;
      job.errorMessage = `${code}: ${text}`;
      job.completedAt = isoAt(now);
      job.updatedAt = isoAt(now);
      job.position = null;
      job.retryAt = null;
      this.#queueSeq.delete(job.id);
      healed.push(job);
      this.#emit(job);
      if (inQueue) this.#queueMoved(job.pool);
    };
    for (const job of [...this.#jobs.values()]) {
      if (options.pool !== undefined && job.pool !== options.pool) continue;
      const created = Date.parse(job.createdAt);
      if (job.status === 'starting' && now - created > options.staleStartMs) {
        end(
          job,
          'cancelled',
          'STALE_START',
          `the job was still starting ${Math.round((now - created) / 1000)} s after it was created`,
        );
      } else if (job.status === 'queued' && (!job.waitedInQueue || !this.#queueSeq.has(job.id))) {
        // A phantom: `queued` without really being in the queue (the old app's bug shape).
        if (now - created > options.staleStartMs)
          end(
            job,
            'cancelled',
            'STALE_START',
            'the job was marked queued but never entered the queue',
          );
      } else if (
        job.status === 'queued' &&
        options.maxQueueMs !== null &&
        job.queuedAt &&
        now - Date.parse(job.queuedAt) > options.maxQueueMs
      ) {
        end(
          job,
          'failed',
          'TIMEOUT',
          `the job waited in the queue longer than ${options.maxQueueMs} ms`,
        );
      } else if (job.status === 'running' && job.taskId === null) {
        const lost = this.#lostStart(job, options);
        if (lost) end(job, 'failed', 'START_LOST', lost);
      }
    }
    const promoted = this.#promoteAll(options, options.pool).map(clone);
    return { healed: healed.map(clone), promoted };
  }

  /** Why a running job with no task id counts as a lost start now, or null. */
  #lostStart(job: Job, options: HealOptions): string | null {
    if (job.startedAt === null)
      return 'the job was marked running but was never started at the provider';
    const started = Date.parse(job.startedAt);
    if (options.now - started > options.lostStartMs)
      return `the provider never confirmed the start within ${options.lostStartMs} ms`;
    if (options.leaseMs === undefined || options.leaseMs === null) return null;
    const lease = Math.max(this.#leases.get(job.id) ?? 0, started + options.leaseMs);
    return lease < options.now
      ? 'the process starting the job stopped (its start lease ran out)'
      : null;
  }

  async claimRefund(id: string, now: number, staleMs: number): Promise<Job | null> {
    const job = this.#require(id);
    if (job.status !== 'failed' && job.status !== 'cancelled') return null;
    const stale = job.creditState === 'refunding' && Date.parse(job.updatedAt) < now - staleMs;
    if (job.creditState !== 'charged' && !stale) return null;
    job.creditState = 'refunding';
    job.updatedAt = isoAt(now);
    this.#emit(job);
    return this.#view(job);
  }

  async renewLeases(ids: readonly string[], until: number, _now: number): Promise<number> {
    let renewed = 0;
    for (const id of ids) {
      const job = this.#jobs.get(id);
      if (job?.status !== 'running' || job.taskId !== null) continue;
      this.#leases.set(id, until);
      renewed++;
    }
    return renewed;
  }

  async recordLateOutput(
    id: string,
    update: { taskId: string | null; output: JsonValue },
    now: number,
  ): Promise<{ job: Job; changed: boolean }> {
    const job = this.#require(id);
    if (
      job.status !== 'failed' ||
      !LATE_OUTPUT_CODES.includes(job.errorCode) ||
      job.output !== null ||
      (update.taskId !== null && job.taskId !== null && job.taskId !== update.taskId)
    ) {
      return { job: this.#view(job), changed: false };
    }
    job.output = structuredClone(update.output);
    job.taskId ??= update.taskId;
    job.updatedAt = isoAt(now);
    this.#emit(job);
    return { job: this.#view(job), changed: true };
  }

  async setCreditState(
    id: string,
    from: CreditState,
    to: CreditState,
    now: number,
  ): Promise<boolean> {
    const job = this.#require(id);
    if (job.creditState !== from) return false;
    job.creditState = to;
    job.updatedAt = isoAt(now);
    this.#emit(job);
    return true;
  }

  async findActive(userId: string): Promise<Job | null> {
    const active = this.#activeOf(userId);
    return active[0] ? this.#view(active[0]) : null;
  }

  async list(query: JobQuery): Promise<Job[]> {
    const out: Job[] = [];
    for (const job of this.#jobs.values()) {
      if (query.userId !== undefined && job.userId !== query.userId) continue;
      if (query.status && !query.status.includes(job.status)) continue;
      if (query.tool !== undefined && job.tool !== query.tool) continue;
      if (query.creditState !== undefined && job.creditState !== query.creditState) continue;
      out.push(this.#view(job));
    }
    out.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    return query.limit === undefined ? out : out.slice(0, query.limit);
  }

  async queue(pool?: string): Promise<Job[]> {
    const pools =
      pool === undefined ? new Set([...this.#jobs.values()].map((j) => j.pool)) : [pool];
    return [...pools].flatMap((p) =>
      this.#queueOf(p).map((job, index) => ({ ...clone(job), position: index + 1 })),
    );
  }

  async counts(pool: string): Promise<{ running: number; queued: number }> {
    let running = 0;
    let queued = 0;
    for (const job of this.#jobs.values()) {
      if (job.pool !== pool) continue;
      if (job.status === 'running') running++;
      else if (job.status === 'queued') queued++;
    }
    return { running, queued };
  }

  subscribe(
    listener: (change: JobChange) => void,
    onQueueMoved?: (pool: string) => void,
  ): () => void {
    this.#events.on('change', listener);
    if (onQueueMoved) this.#events.on('queue', onQueueMoved);
    return () => {
      this.#events.off('change', listener);
      if (onQueueMoved) this.#events.off('queue', onQueueMoved);
    };
  }

  async close(): Promise<void> {
    this.#events.removeAllListeners();
  }

  /** The raw rows, for tests that check invariants independently of the store's methods. */
  snapshot(): Job[] {
    return [...this.#jobs.values()].map((job) => this.#view(job));
  }

  /** Writes a row as is (legacy data, crash scenarios). Bypasses every rule: tests only. */
  unsafeInsert(job: Job): void {
    // Positions are computed when read: a row inserted with one joins the queue's tail.
    this.#jobs.set(job.id, { ...clone(job), position: null });
    if (job.status === 'queued' && job.waitedInQueue && job.position !== null) {
      this.#queueSeq.set(job.id, ++this.#seq);
    } else {
      this.#queueSeq.delete(job.id);
    }
  }

  #newJob(input: NewJob, status: JobStatus, now: number): Job {
    return { ...jobRecord(input, now), status };
  }

  #checkSame(existing: Job, input: NewJob): Job {
    if (existing.userId !== input.userId || existing.tool !== input.tool) {
      throw new JobGateError('CONFLICT', 'this job id is already used by another job', {
        jobId: input.id,
      });
    }
    return this.#view(existing);
  }

  #require(id: string): Job {
    const job = this.#jobs.get(id);
    if (!job) throw new JobGateError('NOT_FOUND', `no job ${id}`, { jobId: id });
    return job;
  }

  #activeOf(userId: string): Job[] {
    return [...this.#jobs.values()]
      .filter((j) => j.userId === userId && isActive(j.status))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  #running(): Job[] {
    return [...this.#jobs.values()].filter((j) => j.status === 'running');
  }

  #queueOf(pool: string): Job[] {
    return [...this.#queueSeq.entries()]
      .map(([id, seq]) => ({ job: this.#jobs.get(id)!, seq }))
      .filter(({ job }) => job.pool === pool)
      .sort((a, b) => a.seq - b.seq)
      .map(({ job }) => job);
  }

  #toRunning(job: Job, now: number): void {
    job.status = 'running';
    job.startedAt = isoAt(now);
    job.updatedAt = isoAt(now);
    job.position = null;
    job.progress = null;
    this.#queueSeq.delete(job.id);
    this.#emit(job);
  }

  #enqueue(job: Job, now: number, where: 'head' | 'tail'): void {
    const seqs = this.#queueOf(job.pool).map((j) => this.#queueSeq.get(j.id)!);
    const seq = where === 'tail' ? ++this.#seq : Math.min(0, ...seqs) - 1;
    this.#queueSeq.set(job.id, seq);
    job.status = 'queued';
    job.waitedInQueue = true;
    job.queuedAt ??= isoAt(now);
    job.updatedAt = isoAt(now);
    this.#emit(job);
    // Joining at the tail moves nobody; going back in at the head moves everyone behind.
    if (where === 'head') this.#queueMoved(job.pool);
  }

  #promote(pool: string, options: SlotOptions): Job[] {
    const claimed = selectPromotions(
      this.#queueOf(pool),
      this.#running(),
      options.limits,
      options.now,
    );
    for (const job of claimed) {
      job.retryAt = null;
      this.#toRunning(job, options.now);
    }
    if (claimed.length > 0) this.#queueMoved(pool);
    return claimed;
  }

  /** One notice per queue change: the positions behind moved, no row was written. */
  #queueMoved(pool: string): void {
    this.#events.emit('queue', pool);
  }

  /**
   * A job as the API shows it: a copy, with its position computed now (its place in its
   * pool's queue, 1 = next), never stored.
   */
  #view(job: Job): Job {
    const copy = clone(job);
    const seq = this.#queueSeq.get(job.id);
    copy.position = null;
    if (job.status === 'queued' && job.waitedInQueue && seq !== undefined) {
      let ahead = 0;
      for (const [id, other] of this.#queueSeq) {
        if (other < seq && this.#jobs.get(id)?.pool === job.pool) ahead++;
      }
      copy.position = ahead + 1;
    }
    return copy;
  }

  #emit(job: Job): void {
    this.#events.emit('change', {
      id: job.id,
      status: job.status,
      userId: job.userId,
      job: this.#view(job),
    });
  }
}

const clone = (job: Job): Job => structuredClone(job);
