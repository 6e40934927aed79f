import type { Job, JobStore, JsonValue } from '@jobgate/core';
import {
  type CreateOptions,
  type CreateResult,
  type CreditState,
  type FinishOptions,
  type FinishOutcome,
  type FinishResult,
  type HealOptions,
  type JobChange,
  type JobQuery,
  type JobRow,
  jobFromRow,
  movedQueues,
  type NewJob,
  type QueueChange,
  type RequeueOptions,
  type SlotOptions,
  type StartResult,
  type StoreCapabilities,
  type StoreHealResult,
} from '@jobgate/core/adapter';
import { type JobStoreCalls, jobStoreCalls } from './jobStoreCalls.js';
import type { SqlCall } from './sqlFunctions.js';
import type { SqlTransport } from './sqlTransport.js';

/** The change notices behind a SqlStore's `subscribe`, one kind per backend. */
export interface SqlStoreFeed {
  /**
   * While the feed sets itself up (LISTEN): store calls wait for it, so the changes they
   * make after `subscribe` returned are seen. Null or absent: nothing to wait for.
   */
  readonly ready?: Promise<unknown> | null;
  subscribe(
    listener: (change: JobChange) => void,
    onQueueMoved?: (pool: string) => void,
  ): () => void;
  /**
   * What one store call changed, from its result: the jobs it wrote and the pools whose
   * queue moved (movedQueues of @jobgate/core). For a feed that announces its own process's
   * calls (SupabaseChangeFeed); one the database feeds (PostgresChangeFeed: NOTIFY sent by
   * triggers, or polling) has none.
   */
  announce?(changed: readonly Job[], movedPools: readonly string[]): void;
  /** Stops the notices for good. */
  close(): Promise<void>;
}

export interface SqlStoreOptions {
  /** How calls reach the SQL functions. */
  transport: SqlTransport;
  feed: SqlStoreFeed;
  capabilities: StoreCapabilities;
  /**
   * Lifecycle timestamps from the database clock (default), or from the `now` each call
   * passes (`caller`: fake clocks in tests, replays). See `jobStoreCalls`.
   */
  clock?: 'database' | 'caller';
  /** Runs once on `close`, after the feed closed: closes what the store owns (its clients). */
  onClose?: () => Promise<void>;
}

interface JobPair {
  job: JobRow;
  promoted: JobRow[];
}

const jobs = (rows: readonly JobRow[]): Job[] => rows.map(jobFromRow);
const some = (row: JobRow | null): Job | null => (row ? jobFromRow(row) : null);

/**
 * The JobStore on the jobgate SQL functions (packages/postgres/sql): every method is one call
 * (`jobStoreCalls`), so each is one transaction, the slot decision under a transaction-scoped
 * advisory lock that counts running jobs. The transport (a SqlClient, or PostgREST `.rpc`)
 * and the change feed are the backend's; PostgresStore and SupabaseStore (@jobgate/supabase)
 * are this class with theirs.
 */
export class SqlStore implements JobStore {
  readonly capabilities: StoreCapabilities;
  readonly #transport: SqlTransport;
  readonly #feed: SqlStoreFeed;
  readonly #calls: JobStoreCalls;
  readonly #onClose: (() => Promise<void>) | undefined;
  #closed = false;

  constructor(options: SqlStoreOptions) {
    this.#transport = options.transport;
    this.#feed = options.feed;
    this.#calls = jobStoreCalls(options.clock);
    this.#onClose = options.onClose;
    this.capabilities = options.capabilities;
  }

  async create(job: NewJob, options: CreateOptions): Promise<CreateResult> {
    const r = await this.#call<{ job: JobRow; created: boolean; promoted?: JobRow[] }>(
      this.#calls.create(job, options),
    );
    const placed = jobFromRow(r.job);
    if (!r.promoted) {
      if (r.created) this.#announce([placed]);
      return { job: placed, created: r.created };
    }
    const promoted = jobs(r.promoted);
    this.#announce([placed, ...promoted], { promoted });
    return { job: placed, created: r.created, promoted };
  }

  async createFailed(
    job: NewJob,
    error: { errorCode: string; errorMessage: string },
    now: number,
  ): Promise<CreateResult> {
    const r = await this.#call<{ job: JobRow; created: boolean }>(
      this.#calls.createFailed(job, error, now),
    );
    const failed = jobFromRow(r.job);
    if (r.created) this.#announce([failed]);
    return { job: failed, created: r.created };
  }

  async get(id: string): Promise<Job | null> {
    return some(await this.#call<JobRow | null>(this.#calls.get(id)));
  }

  async start(id: string, options: SlotOptions): Promise<StartResult> {
    const r = await this.#call<JobPair>(this.#calls.start(id, options));
    const job = jobFromRow(r.job);
    const promoted = jobs(r.promoted);
    this.#announce([job, ...promoted], { promoted });
    return { job, promoted };
  }

  async attachTask(id: string, taskId: string, now: number): Promise<Job> {
    return this.#wrote(await this.#call<JobRow>(this.#calls.attachTask(id, taskId, now)));
  }

  async progress(id: string, progress: number, now: number): Promise<Job> {
    return this.#wrote(await this.#call<JobRow>(this.#calls.progress(id, progress, now)));
  }

  async requeue(id: string, options: RequeueOptions): Promise<StartResult> {
    const r = await this.#call<JobPair>(this.#calls.requeue(id, options));
    const job = jobFromRow(r.job);
    const promoted = jobs(r.promoted);
    this.#announce([job, ...promoted], { requeued: job, promoted });
    return { job, promoted };
  }

  async finish(id: string, outcome: FinishOutcome, options: FinishOptions): Promise<FinishResult> {
    const r = await this.#call<JobPair & { changed: boolean }>(
      this.#calls.finish(id, outcome, options),
    );
    const job = jobFromRow(r.job);
    const promoted = jobs(r.promoted);
    const ended = r.changed ? [job] : [];
    this.#announce([...ended, ...promoted], { ended, promoted });
    return { job, changed: r.changed, promoted };
  }

  async promote(options: SlotOptions): Promise<Job[]> {
    const promoted = jobs(await this.#call<JobRow[]>(this.#calls.promote(options)));
    this.#announce(promoted, { promoted });
    return promoted;
  }

  async heal(options: HealOptions): Promise<StoreHealResult> {
    const r = await this.#call<{ healed: JobRow[]; promoted: JobRow[] }>(this.#calls.heal(options));
    const healed = jobs(r.healed);
    const promoted = jobs(r.promoted);
    this.#announce([...healed, ...promoted], { ended: healed, promoted });
    return { healed, promoted };
  }

  async setCreditState(
    id: string,
    from: CreditState,
    to: CreditState,
    now: number,
  ): Promise<boolean> {
    return (await this.#call<boolean>(this.#calls.setCreditState(id, from, to, now))) === true;
  }

  async claimRefund(id: string, now: number, staleMs: number): Promise<Job | null> {
    const row = await this.#call<JobRow | null>(this.#calls.claimRefund(id, now, staleMs));
    return row ? this.#wrote(row) : null;
  }

  async renewLeases(ids: readonly string[], until: number, now: number): Promise<number> {
    if (ids.length === 0) return 0;
    return Number(await this.#call<number>(this.#calls.renewLeases(ids, until, now)));
  }

  async recordLateOutput(
    id: string,
    update: { taskId: string | null; output: JsonValue },
    now: number,
  ): Promise<{ job: Job; changed: boolean }> {
    const r = await this.#call<{ job: JobRow; changed: boolean }>(
      this.#calls.recordLateOutput(id, update, now),
    );
    const job = jobFromRow(r.job);
    if (r.changed) this.#announce([job]);
    return { job, changed: r.changed };
  }

  async findActive(userId: string): Promise<Job | null> {
    return some(await this.#call<JobRow | null>(this.#calls.findActive(userId)));
  }

  async list(query: JobQuery): Promise<Job[]> {
    return jobs(await this.#call<JobRow[]>(this.#calls.list(query)));
  }

  async queue(pool?: string): Promise<Job[]> {
    return jobs(await this.#call<JobRow[]>(this.#calls.queue(pool)));
  }

  async counts(pool: string): Promise<{ running: number; queued: number }> {
    const r = await this.#call<{ running: number; queued: number }>(this.#calls.counts(pool));
    return { running: Number(r.running), queued: Number(r.queued) };
  }

  /** Change notices from the backend's feed (see SqlStoreFeed). */
  subscribe(
    listener: (change: JobChange) => void,
    onQueueMoved?: (pool: string) => void,
  ): () => void {
    return this.#feed.subscribe(listener, onQueueMoved);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#feed.close();
    await this.#onClose?.();
  }

  async #call<T>(call: SqlCall): Promise<T> {
    const ready = this.#feed.ready;
    if (ready) await ready;
    return this.#transport.call<T>(call);
  }

  /** Tells a feed that announces its own calls what one changed. */
  #announce(changed: readonly Job[], queues: QueueChange = {}): void {
    this.#feed.announce?.(changed, movedQueues(queues));
  }

  #wrote(row: JobRow): Job {
    const job = jobFromRow(row);
    this.#announce([job]);
    return job;
  }
}
