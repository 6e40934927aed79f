import {
  type CreateOptions,
  type CreateResult,
  type CreditState,
  type FinishOptions,
  type FinishOutcome,
  type FinishResult,
  type HealOptions,
  type HealResult,
  type Job,
  type JobChange,
  JobGateError,
  type JobQuery,
  type JobRow,
  type JobStore,
  type JsonValue,
  jobFromRow,
  type NewJob,
  type RequeueOptions,
  type SlotOptions,
  STORE_RETRY_AFTER_MS,
  type StartResult,
  type StoreCapabilities,
  toJobGateError,
} from '@jobgate/core';
import type { SupabaseClient } from '@supabase/supabase-js';
import { jobGateErrorFromPostgrest, type PostgrestErrorLike } from './postgrestError.js';

/** The columns of a job row (the table's internal ordering columns are left out). */
export const JOB_COLUMNS =
  'id,tool,user_id,pool,status,input,output,waited_in_queue,position,task_id,user_credit_cost,credit_state,error_code,error_message,progress,attempts,retry_at,created_at,queued_at,started_at,completed_at,updated_at';

export interface SupabaseStoreOptions {
  /**
   * A supabase-js client. On the server: the service-role client (state changes go through the
   * SQL functions, executable by `service_role` only). With a user's client the reads work
   * under RLS (own jobs only) and every change is refused.
   */
  client: SupabaseClient;
  /** Schema of the jobgate objects (must be exposed by the API). Default `public`. */
  schema?: string;
  /** Table name. Default `jobgate_jobs`. */
  table?: string;
  /**
   * The view reads go through: the table's rows with `position` computed when read (positions
   * are never stored). Default `jobgate_jobs_view`.
   */
  view?: string;
  /**
   * Lifecycle timestamps from the database clock (default), or from the `now` each call
   * passes (`caller`: fake clocks in tests).
   */
  clock?: 'database' | 'caller';
  /** Also deliver changes made by other processes through Supabase Realtime. Default false. */
  realtime?: boolean;
}

type RpcArgs = Record<string, unknown>;
interface RawStart {
  job: JobRow;
  promoted: JobRow[];
}

const ACTIVE = ['starting', 'queued', 'running'] as const;

/**
 * The JobStore over supabase-js: every change is one `.rpc(...)` to the SQL functions of
 * @jobgate/postgres (one transaction each, the slot decision under an advisory lock), reads
 * are plain selects that RLS restricts to the caller's own jobs.
 */
export class SupabaseStore implements JobStore {
  readonly capabilities: StoreCapabilities;
  readonly #client: SupabaseClient;
  readonly #schema: string;
  readonly #table: string;
  readonly #view: string;
  readonly #callerClock: boolean;
  readonly #listeners = new Set<(change: JobChange) => void>();
  readonly #queueListeners = new Set<(pool: string) => void>();
  readonly #realtime: boolean;
  #channel: ReturnType<SupabaseClient['channel']> | null = null;

  constructor(options: SupabaseStoreOptions) {
    this.#client = options.client;
    this.#schema = options.schema ?? 'public';
    this.#table = options.table ?? 'jobgate_jobs';
    this.#view = options.view ?? 'jobgate_jobs_view';
    this.#callerClock = options.clock === 'caller';
    this.#realtime = options.realtime === true;
    this.capabilities = { durable: true, shared: true, crossProcessEvents: this.#realtime };
  }

  async create(job: NewJob, options: CreateOptions): Promise<CreateResult> {
    const raw = await this.#rpc<{ job: JobRow; created: boolean; promoted?: JobRow[] }>(
      'jobgate_create',
      {
        ...newJobArgs(job),
        p_max_active: options.maxActivePerUser,
        p_now: this.#now(options.now),
        ...(options.start ? { p_limits: options.start } : {}),
      },
    );
    if (!raw.promoted) return this.#created(raw);
    const { job: placed, promoted } = this.#startResult(
      { job: raw.job, promoted: raw.promoted },
      false,
    );
    return { job: placed, created: raw.created, promoted };
  }

  async createFailed(
    job: NewJob,
    error: { errorCode: string; errorMessage: string },
    now: number,
  ): Promise<CreateResult> {
    const raw = await this.#rpc<{ job: JobRow; created: boolean }>('jobgate_create_failed', {
      ...newJobArgs(job),
      p_error_code: error.errorCode,
      p_error_message: error.errorMessage,
      p_now: this.#now(now),
    });
    return this.#created(raw);
  }

  async get(id: string): Promise<Job | null> {
    const { data, error, status } = await this.#db()
      .from(this.#view)
      .select(JOB_COLUMNS)
      .eq('id', id)
      .maybeSingle();
    if (error) throw jobGateErrorFromPostgrest(error, status);
    return data ? jobFromRow(data as unknown as JobRow) : null;
  }

  async start(id: string, options: SlotOptions): Promise<StartResult> {
    const raw = await this.#rpc<RawStart>('jobgate_start', {
      p_id: id,
      p_limits: options.limits,
      p_now: this.#now(options.now),
    });
    return this.#startResult(raw, false);
  }

  async attachTask(id: string, taskId: string, now: number): Promise<Job> {
    return this.#one(
      await this.#rpc<JobRow>('jobgate_attach_task', {
        p_id: id,
        p_task_id: taskId,
        p_now: this.#now(now),
      }),
    );
  }

  async progress(id: string, progress: number, now: number): Promise<Job> {
    return this.#one(
      await this.#rpc<JobRow>('jobgate_progress', {
        p_id: id,
        p_progress: progress,
        p_now: this.#now(now),
      }),
    );
  }

  async requeue(id: string, options: RequeueOptions): Promise<StartResult> {
    const raw = await this.#rpc<RawStart>('jobgate_requeue', {
      p_id: id,
      p_limits: options.limits,
      p_now: this.#now(options.now),
      p_retry_at: options.retryAt,
      p_error_code: options.errorCode,
      p_error_message: options.errorMessage,
    });
    return this.#startResult(raw, true);
  }

  async finish(id: string, outcome: FinishOutcome, options: FinishOptions): Promise<FinishResult> {
    const raw = await this.#rpc<{ job: JobRow; changed: boolean; promoted: JobRow[] }>(
      'jobgate_finish',
      {
        p_id: id,
        p_status: outcome.status,
        p_output: outcome.status === 'completed' ? (outcome.output ?? null) : null,
        p_error_code: outcome.status === 'completed' ? null : outcome.errorCode,
        p_error_message: outcome.status === 'completed' ? null : outcome.errorMessage,
        p_from: options.from ?? null,
        p_limits: options.limits,
        p_now: this.#now(options.now),
        p_task_id: options.taskId ?? null,
      },
    );
    const job = jobFromRow(raw.job);
    const promoted = raw.promoted.map(jobFromRow);
    if (raw.changed) this.#emit(job);
    for (const p of promoted) this.#emit(p);
    // A job that never ran (queued) left the queue, or the head was promoted: the queue moved.
    if (promoted.length > 0 || (raw.changed && job.startedAt === null)) this.#queueMoved(job.pool);
    return { job, changed: raw.changed, promoted };
  }

  async promote(options: SlotOptions): Promise<Job[]> {
    const rows = await this.#rpc<JobRow[]>('jobgate_promote', {
      p_limits: options.limits,
      p_now: this.#now(options.now),
    });
    const promoted = this.#many(rows);
    for (const pool of new Set(promoted.map((j) => j.pool))) this.#queueMoved(pool);
    return promoted;
  }

  async heal(options: HealOptions): Promise<HealResult> {
    const raw = await this.#rpc<{ healed: JobRow[]; promoted: JobRow[] }>('jobgate_heal', {
      p_limits: options.limits,
      p_now: this.#now(options.now),
      p_stale_start_ms: options.staleStartMs,
      p_lost_start_ms: options.lostStartMs,
      p_max_queue_ms: options.maxQueueMs,
      p_pool: options.pool ?? null,
      p_lease_ms: options.leaseMs ?? null,
    });
    const healed = this.#many(raw.healed);
    const promoted = this.#many(raw.promoted);
    for (const pool of new Set([...healed, ...promoted].map((j) => j.pool))) this.#queueMoved(pool);
    return { healed, promoted };
  }

  async setCreditState(
    id: string,
    from: CreditState,
    to: CreditState,
    now: number,
  ): Promise<boolean> {
    return (
      (await this.#rpc<boolean>('jobgate_set_credit_state', {
        p_id: id,
        p_from: from,
        p_to: to,
        p_now: this.#now(now),
      })) === true
    );
  }

  async claimRefund(id: string, now: number, staleMs: number): Promise<Job | null> {
    const row = await this.#rpc<JobRow | null>('jobgate_claim_refund', {
      p_id: id,
      p_now: now,
      p_stale_ms: staleMs,
    });
    if (!row) return null;
    const job = jobFromRow(row);
    this.#emit(job);
    return job;
  }

  async renewLeases(ids: readonly string[], until: number, now: number): Promise<number> {
    if (ids.length === 0) return 0;
    const n = await this.#rpc<number>('jobgate_renew_leases', {
      p_ids: [...ids],
      p_until: until,
      p_now: now,
    });
    return Number(n);
  }

  async recordLateOutput(
    id: string,
    update: { taskId: string | null; output: JsonValue },
    now: number,
  ): Promise<{ job: Job; changed: boolean }> {
    const raw = await this.#rpc<{ job: JobRow; changed: boolean }>('jobgate_record_late_output', {
      p_id: id,
      p_task_id: update.taskId,
      p_output: update.output,
      p_now: now,
    });
    const job = jobFromRow(raw.job);
    if (raw.changed) this.#emit(job);
    return { job, changed: raw.changed };
  }

  async findActive(userId: string): Promise<Job | null> {
    const { data, error, status } = await this.#db()
      .from(this.#view)
      .select(JOB_COLUMNS)
      .eq('user_id', userId)
      .in('status', [...ACTIVE])
      .order('created_at', { ascending: true })
      .order('row_seq', { ascending: true })
      .limit(1);
    if (error) throw jobGateErrorFromPostgrest(error, status);
    const row = (data as unknown as JobRow[] | null)?.[0];
    return row ? jobFromRow(row) : null;
  }

  async list(query: JobQuery): Promise<Job[]> {
    let builder = this.#db().from(this.#view).select(JOB_COLUMNS);
    if (query.userId !== undefined) builder = builder.eq('user_id', query.userId);
    if (query.status) builder = builder.in('status', [...query.status]);
    if (query.tool !== undefined) builder = builder.eq('tool', query.tool);
    if (query.creditState !== undefined) builder = builder.eq('credit_state', query.creditState);
    let ordered = builder
      .order('created_at', { ascending: false })
      .order('row_seq', { ascending: true });
    if (query.limit !== undefined) ordered = ordered.limit(query.limit);
    const { data, error, status } = await ordered;
    if (error) throw jobGateErrorFromPostgrest(error, status);
    return ((data as unknown as JobRow[] | null) ?? []).map(jobFromRow);
  }

  async queue(pool?: string): Promise<Job[]> {
    const rows = await this.#rpc<JobRow[]>('jobgate_queue', { p_pool: pool ?? null });
    return rows.map(jobFromRow);
  }

  async counts(pool: string): Promise<{ running: number; queued: number }> {
    const raw = await this.#rpc<{ running: number; queued: number }>('jobgate_counts', {
      p_pool: pool,
    });
    return { running: Number(raw.running), queued: Number(raw.queued) };
  }

  subscribe(
    listener: (change: JobChange) => void,
    onQueueMoved?: (pool: string) => void,
  ): () => void {
    this.#listeners.add(listener);
    if (onQueueMoved) this.#queueListeners.add(onQueueMoved);
    if (this.#realtime && !this.#channel) this.#openChannel();
    return () => {
      this.#listeners.delete(listener);
      if (onQueueMoved) this.#queueListeners.delete(onQueueMoved);
      if (this.#listeners.size === 0 && this.#channel) {
        void this.#client.removeChannel(this.#channel);
        this.#channel = null;
      }
    };
  }

  async close(): Promise<void> {
    this.#listeners.clear();
    this.#queueListeners.clear();
    if (this.#channel) {
      await this.#client.removeChannel(this.#channel);
      this.#channel = null;
    }
  }

  // ——— internals ———

  /** The time a call passes: null lets the database clock decide (see `clock`). */
  #now(now: number): number | null {
    return this.#callerClock ? now : null;
  }

  #db() {
    return this.#schema === 'public' ? this.#client : this.#client.schema(this.#schema);
  }

  async #rpc<T>(fn: string, args: RpcArgs): Promise<T> {
    let result: { data: unknown; error: PostgrestErrorLike | null; status: number };
    try {
      result = await this.#db().rpc(fn, args);
    } catch (error) {
      // PostgREST could not be reached: the store is unavailable (retry later).
      const err = toJobGateError(error, 'STORE_UNAVAILABLE');
      throw err.code === 'STORE_UNAVAILABLE'
        ? new JobGateError('STORE_UNAVAILABLE', err.message, {
            cause: error,
            retryAfterMs: STORE_RETRY_AFTER_MS,
          })
        : err;
    }
    if (result.error) throw jobGateErrorFromPostgrest(result.error, result.status);
    if (result.data === undefined) {
      throw new JobGateError('INTERNAL', `${fn} returned nothing`);
    }
    return result.data as T;
  }

  #created(raw: { job: JobRow; created: boolean }): CreateResult {
    const job = jobFromRow(raw.job);
    if (raw.created) this.#emit(job);
    return { job, created: raw.created };
  }

  #startResult(raw: RawStart, queueMoved: boolean): StartResult {
    const job = jobFromRow(raw.job);
    const promoted = raw.promoted.map(jobFromRow);
    this.#emit(job);
    for (const p of promoted) this.#emit(p);
    if (queueMoved || promoted.length > 0) this.#queueMoved(job.pool);
    return { job, promoted };
  }

  /**
   * This process's own "queue moved" notices (what its calls changed); with `realtime`, the
   * per-pool rows of jobgate_queue_moves bring other processes' too.
   */
  #queueMoved(pool: string): void {
    for (const listener of [...this.#queueListeners]) {
      try {
        listener(pool);
      } catch {
        // a listener's failure is its own
      }
    }
  }

  #one(row: JobRow): Job {
    const job = jobFromRow(row);
    this.#emit(job);
    return job;
  }

  #many(rows: readonly JobRow[]): Job[] {
    return rows.map((row) => this.#one(row));
  }

  #emit(job: Job): void {
    for (const listener of this.#listeners) {
      try {
        listener({ id: job.id, status: job.status, userId: job.userId, job });
      } catch {
        // a listener's failure is its own
      }
    }
  }

  #openChannel(): void {
    this.#channel = this.#client
      .channel(`jobgate:${this.#schema}:${this.#table}`)
      .on(
        'postgres_changes',
        { event: '*', schema: this.#schema, table: this.#table },
        (payload: { new?: unknown }) => {
          const row = payload.new as JobRow | undefined;
          if (row && typeof row === 'object' && typeof row.id === 'string') {
            this.#emit(jobFromRow(row));
          }
        },
      )
      .on(
        'postgres_changes',
        { event: '*', schema: this.#schema, table: 'jobgate_queue_moves' },
        (payload: { new?: unknown }) => {
          const pool = (payload.new as { pool?: unknown } | undefined)?.pool;
          if (typeof pool === 'string') this.#queueMoved(pool);
        },
      )
      .subscribe();
  }
}

function newJobArgs(job: NewJob): RpcArgs {
  return {
    p_id: job.id,
    p_tool: job.tool,
    p_user_id: job.userId,
    p_pool: job.pool,
    p_input: job.input,
    p_user_credit_cost: job.userCreditCost,
  };
}

export function createSupabaseStore(options: SupabaseStoreOptions): SupabaseStore {
  return new SupabaseStore(options);
}
