import type { HealWindows } from '../domain/healVerdict.js';
import type { CreditState, Job, JsonObject, JsonValue, NewJob } from '../domain/job.js';
import type { JobStatus } from '../domain/jobStatus.js';
import type { SlotLimits } from '../domain/slotPolicy.js';

/** What a store can do beyond the required methods. */
export interface StoreCapabilities {
  /** State survives a process restart. */
  durable: boolean;
  /** Several processes may share the store and the caps still hold. */
  shared: boolean;
  /** `subscribe` sees changes made by other processes (LISTEN/NOTIFY, Realtime). */
  crossProcessEvents: boolean;
}

/** A compact change notice: small enough for a Postgres NOTIFY. */
export interface JobChange {
  id: string;
  status: JobStatus;
  userId: string;
  /** The full job, where the store has it at hand (in-process stores). */
  job?: Job;
}

export interface CreateOptions {
  /** Refuse with ACTIVE_JOB_EXISTS when the user already has this many active jobs. */
  maxActivePerUser: number;
  now: number;
  /**
   * Also start the new job in the same atomic step, as `start` would (take a slot or queue
   * at the tail): a submit is then one statement. A job that existed already is returned
   * as it is, not started.
   */
  start?: SlotLimits;
}

export interface CreateResult {
  job: Job;
  /** False when the id existed already (idempotent retry): nothing was changed. */
  created: boolean;
  /** With `start`: queued jobs that took free slots first (FIFO), now `running`. */
  promoted?: Job[];
}

export interface SlotOptions {
  limits: SlotLimits;
  now: number;
}

export interface StartResult {
  /** The job, now `running` (slot taken) or `queued` (with its position). */
  job: Job;
  /** Queued jobs that took free slots first (FIFO), now `running`. */
  promoted: Job[];
}

export type FinishOutcome =
  | { status: 'completed'; output?: JsonValue }
  | { status: 'failed' | 'cancelled'; errorCode: string; errorMessage: string };

export interface FinishOptions extends SlotOptions {
  /** Compare-and-set: only finish if the job's status is one of these. Default: any active. */
  from?: readonly JobStatus[];
  /**
   * The provider task the outcome is about: refused with VALIDATION if the job records
   * another task, recorded if it has none yet. Lets a provider's answer finish a job
   * without a read before it.
   */
  taskId?: string;
}

export interface FinishResult {
  job: Job;
  /** True if this call ended the job; false if it was terminal already or not in `from`. */
  changed: boolean;
  /** Queue heads that took the freed slot, now `running`. */
  promoted: Job[];
}

export interface RequeueOptions extends SlotOptions {
  /** Not retried before this instant (ms). */
  retryAt: number;
  errorCode: string;
  errorMessage: string;
  /**
   * The file fields the provider has already received (see `Job.providerInput`), kept on the
   * job for its next attempt. Omitted: the job's value stays as it is.
   */
  providerInput?: JsonObject;
}

/**
 * One heal: the windows of {@link HealWindows} (the rule is {@link healVerdict}), in one pool
 * or in all.
 */
export interface HealOptions extends SlotOptions, HealWindows {
  /** Heal only this pool (a submit heals its own pool); default every pool, one at a time. */
  pool?: string;
}

/**
 * What the store's part of a heal pass did ({@link JobStore.heal}: rows only). The runner's
 * whole pass, which also asks the provider and settles credits, reports a `HealReport`.
 */
export interface StoreHealResult {
  /** Jobs this heal ended. */
  healed: Job[];
  /** Jobs promoted into the slots healing freed (or whose backoff ran out). */
  promoted: Job[];
}

/** @deprecated Renamed {@link StoreHealResult} (the runner's pass reports a `HealReport`). */
export type HealResult = StoreHealResult;

export interface JobQuery {
  userId?: string;
  status?: readonly JobStatus[];
  tool?: string;
  creditState?: CreditState;
  limit?: number;
}

/**
 * The only place job state changes. Every method is one atomic step: the slot decision,
 * the release and the promotion of the queue head happen inside one critical section
 * (a locked transaction in SQL). Every transition is a compare-and-set on the current
 * status. Stores are held to the conformance suite of `@jobgate/testkit`.
 */
export interface JobStore {
  readonly capabilities: StoreCapabilities;
  /**
   * Creates a `starting` job. Idempotent on `id`: an existing job of the same user and tool
   * is returned with `created: false`. Throws CONFLICT if the id belongs to another user or
   * tool, ACTIVE_JOB_EXISTS (with the active job's id) if the user is at their limit.
   */
  create(job: NewJob, options: CreateOptions): Promise<CreateResult>;
  /** Creates a job that is terminal from birth (a request refused before it started). */
  createFailed(
    job: NewJob,
    error: { errorCode: string; errorMessage: string },
    now: number,
  ): Promise<CreateResult>;
  get(id: string): Promise<Job | null>;
  /** `starting` → `running` if a slot is free, else `queued` at the tail. Promotes first. */
  start(id: string, options: SlotOptions): Promise<StartResult>;
  /**
   * Records the provider's task id on a running job: the start is done, so its lease and the
   * error fields of an earlier busy answer are cleared.
   */
  attachTask(id: string, taskId: string, now: number): Promise<Job>;
  /** Records provider progress (0..1) on a running job. */
  progress(id: string, progress: number, now: number): Promise<Job>;
  /** `running` (no task yet) → `queued` at the head, with backoff. Releases the slot. */
  requeue(id: string, options: RequeueOptions): Promise<StartResult>;
  /** Ends a job (terminal, `completed_at`), releases its slot, promotes the queue head. */
  finish(id: string, outcome: FinishOutcome, options: FinishOptions): Promise<FinishResult>;
  /** Claims queued jobs into free slots (FIFO); used after backoff expires. */
  promote(options: SlotOptions): Promise<Job[]>;
  /** Ends what outlived its window (see {@link HealOptions}) and promotes into freed slots. */
  heal(options: HealOptions): Promise<StoreHealResult>;
  /** Compare-and-set of the credit state; true if this call changed it. */
  setCreditState(id: string, from: CreditState, to: CreditState, now: number): Promise<boolean>;
  /**
   * Claims the refund of a failed or cancelled job: `charged` (or `refunding` for longer than
   * `staleMs`, its claimer died) → `refunding`. Resolves with the job if this call claimed it,
   * else null; only the claimer calls Billing.
   */
  claimRefund(id: string, now: number, staleMs: number): Promise<Job | null>;
  /**
   * Extends the start lease of running jobs without a task id to `until` (the process whose
   * provider call is in flight). Resolves with how many jobs it extended.
   */
  renewLeases(ids: readonly string[], until: number, now: number): Promise<number>;
  /**
   * Keeps the output of a job the provider finished after it was ended as TIMEOUT,
   * START_LOST or TASK_LOST (the status stays failed). `changed` false for any other job.
   */
  recordLateOutput(
    id: string,
    update: { taskId: string | null; output: JsonValue },
    now: number,
  ): Promise<{ job: Job; changed: boolean }>;
  /** The user's oldest active job, or null. */
  findActive(userId: string): Promise<Job | null>;
  list(query: JobQuery): Promise<Job[]>;
  /**
   * The queue of a pool (all pools if omitted), in order, positions 1..n per pool. Positions
   * are computed when read (from the FIFO order), never stored: a promotion writes one row.
   */
  queue(pool?: string): Promise<Job[]>;
  /** Running and queued counts of a pool. */
  counts(pool: string): Promise<{ running: number; queued: number }>;
  /**
   * Change notices; returns the unsubscribe function. `listener` hears every changed job.
   * `onQueueMoved` hears one notice per pool whose queue moved (a job left it, or went back
   * in at its head): the positions of the jobs waiting there changed without their rows
   * changing, so whoever shows a position re-reads it.
   */
  subscribe(
    listener: (change: JobChange) => void,
    onQueueMoved?: (pool: string) => void,
  ): () => void;
  close(): Promise<void>;
}
