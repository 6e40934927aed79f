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
  type JobQuery,
  type JobRow,
  type JobStore,
  type JsonValue,
  jobFromRow,
  type NewJob,
  type RequeueOptions,
  type SlotOptions,
  type StartResult,
  type StoreCapabilities,
} from '@jobgate/core';
import { type JobStoreCalls, jobStoreCalls, type SqlCall } from '@jobgate/postgres';
import type { SupabaseClient } from '@supabase/supabase-js';
import { JOB_COLUMNS } from './jobColumns.js';
import { jobGateErrorFromPostgrest } from './postgrestError.js';
import { postgrestRpc } from './postgrestRpc.js';
import { SupabaseChangeFeed } from './supabaseChangeFeed.js';

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
  readonly #view: string;
  readonly #calls: JobStoreCalls;
  readonly #feed: SupabaseChangeFeed;

  constructor(options: SupabaseStoreOptions) {
    this.#client = options.client;
    this.#schema = options.schema ?? 'public';
    this.#view = options.view ?? 'jobgate_jobs_view';
    this.#calls = jobStoreCalls(options.clock);
    const realtime = options.realtime === true;
    this.#feed = new SupabaseChangeFeed({
      client: options.client,
      schema: this.#schema,
      table: options.table ?? 'jobgate_jobs',
      realtime,
    });
    this.capabilities = { durable: true, shared: true, crossProcessEvents: realtime };
  }

  async create(job: NewJob, options: CreateOptions): Promise<CreateResult> {
    const raw = await this.#rpc<{ job: JobRow; created: boolean; promoted?: JobRow[] }>(
      this.#calls.create(job, options),
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
    return this.#created(
      await this.#rpc<{ job: JobRow; created: boolean }>(this.#calls.createFailed(job, error, now)),
    );
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
    return this.#startResult(await this.#rpc<RawStart>(this.#calls.start(id, options)), false);
  }

  async attachTask(id: string, taskId: string, now: number): Promise<Job> {
    return this.#one(await this.#rpc<JobRow>(this.#calls.attachTask(id, taskId, now)));
  }

  async progress(id: string, progress: number, now: number): Promise<Job> {
    return this.#one(await this.#rpc<JobRow>(this.#calls.progress(id, progress, now)));
  }

  async requeue(id: string, options: RequeueOptions): Promise<StartResult> {
    return this.#startResult(await this.#rpc<RawStart>(this.#calls.requeue(id, options)), true);
  }

  async finish(id: string, outcome: FinishOutcome, options: FinishOptions): Promise<FinishResult> {
    const raw = await this.#rpc<{ job: JobRow; changed: boolean; promoted: JobRow[] }>(
      this.#calls.finish(id, outcome, options),
    );
    const job = jobFromRow(raw.job);
    const promoted = raw.promoted.map(jobFromRow);
    if (raw.changed) this.#feed.emit(job);
    for (const p of promoted) this.#feed.emit(p);
    // A job that never ran (queued) left the queue, or the head was promoted: the queue moved.
    if (promoted.length > 0 || (raw.changed && job.startedAt === null)) {
      this.#feed.queueMoved(job.pool);
    }
    return { job, changed: raw.changed, promoted };
  }

  async promote(options: SlotOptions): Promise<Job[]> {
    const promoted = this.#many(await this.#rpc<JobRow[]>(this.#calls.promote(options)));
    for (const pool of new Set(promoted.map((j) => j.pool))) this.#feed.queueMoved(pool);
    return promoted;
  }

  async heal(options: HealOptions): Promise<HealResult> {
    const raw = await this.#rpc<{ healed: JobRow[]; promoted: JobRow[] }>(
      this.#calls.heal(options),
    );
    const healed = this.#many(raw.healed);
    const promoted = this.#many(raw.promoted);
    for (const pool of new Set([...healed, ...promoted].map((j) => j.pool))) {
      this.#feed.queueMoved(pool);
    }
    return { healed, promoted };
  }

  async setCreditState(
    id: string,
    from: CreditState,
    to: CreditState,
    now: number,
  ): Promise<boolean> {
    return (await this.#rpc<boolean>(this.#calls.setCreditState(id, from, to, now))) === true;
  }

  async claimRefund(id: string, now: number, staleMs: number): Promise<Job | null> {
    const row = await this.#rpc<JobRow | null>(this.#calls.claimRefund(id, now, staleMs));
    return row ? this.#one(row) : null;
  }

  async renewLeases(ids: readonly string[], until: number, now: number): Promise<number> {
    if (ids.length === 0) return 0;
    return Number(await this.#rpc<number>(this.#calls.renewLeases(ids, until, now)));
  }

  async recordLateOutput(
    id: string,
    update: { taskId: string | null; output: JsonValue },
    now: number,
  ): Promise<{ job: Job; changed: boolean }> {
    const raw = await this.#rpc<{ job: JobRow; changed: boolean }>(
      this.#calls.recordLateOutput(id, update, now),
    );
    const job = jobFromRow(raw.job);
    if (raw.changed) this.#feed.emit(job);
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
    return (await this.#rpc<JobRow[]>(this.#calls.queue(pool))).map(jobFromRow);
  }

  async counts(pool: string): Promise<{ running: number; queued: number }> {
    const raw = await this.#rpc<{ running: number; queued: number }>(this.#calls.counts(pool));
    return { running: Number(raw.running), queued: Number(raw.queued) };
  }

  subscribe(
    listener: (change: JobChange) => void,
    onQueueMoved?: (pool: string) => void,
  ): () => void {
    return this.#feed.subscribe(listener, onQueueMoved);
  }

  async close(): Promise<void> {
    await this.#feed.close();
  }

  #db() {
    return this.#schema === 'public' ? this.#client : this.#client.schema(this.#schema);
  }

  #rpc<T>(call: SqlCall): Promise<T> {
    return postgrestRpc<T>(this.#db(), call);
  }

  #created(raw: { job: JobRow; created: boolean }): CreateResult {
    const job = jobFromRow(raw.job);
    if (raw.created) this.#feed.emit(job);
    return { job, created: raw.created };
  }

  #startResult(raw: RawStart, queueMoved: boolean): StartResult {
    const job = jobFromRow(raw.job);
    const promoted = raw.promoted.map(jobFromRow);
    this.#feed.emit(job);
    for (const p of promoted) this.#feed.emit(p);
    if (queueMoved || promoted.length > 0) this.#feed.queueMoved(job.pool);
    return { job, promoted };
  }

  #one(row: JobRow): Job {
    const job = jobFromRow(row);
    this.#feed.emit(job);
    return job;
  }

  #many(rows: readonly JobRow[]): Job[] {
    return rows.map((row) => this.#one(row));
  }
}

export function createSupabaseStore(options: SupabaseStoreOptions): SupabaseStore {
  return new SupabaseStore(options);
}
