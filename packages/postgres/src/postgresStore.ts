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
import { type JobStoreCalls, jobStoreCalls } from './jobStoreCalls.js';
import { checkSchema } from './migrate.js';
import { PostgresChangeFeed } from './postgresChangeFeed.js';
import type { SqlClient } from './sqlClient.js';
import { sqlErrorToJobGateError } from './sqlError.js';
import { type SqlCall, toSqlQuery } from './sqlFunctions.js';

export interface PostgresStoreOptions {
  /** Schema holding the jobgate tables and functions. Default `public`. */
  schema?: string;
  /** State survives a restart. Default true (false for in-memory PGlite). */
  durable?: boolean;
  /** Several processes share the database. Default true (false for PGlite). */
  shared?: boolean;
  /**
   * Use LISTEN for `subscribe` when the client can. Set false behind a transaction pooler
   * (Supabase port 6543, PgBouncer in transaction mode), where LISTEN is not delivered:
   * `subscribe` then polls. Default true.
   */
  listen?: boolean;
  /**
   * A separate client for LISTEN: behind a transaction pooler, run the queries through the
   * pooler and LISTEN on a direct (session) connection. Closed with the store when
   * `closeClient` is true.
   */
  listenClient?: Pick<SqlClient, 'capabilities' | 'listen' | 'close'>;
  /** Polling interval of `subscribe` when it does not LISTEN. Default 1000 ms. */
  pollIntervalMs?: number;
  /** Close the client when the store closes. Default true. */
  closeClient?: boolean;
  /**
   * Where lifecycle timestamps (created_at, queued_at, started_at, completed_at) and the
   * time rules of heal come from. `database` (default): the database clock, read under the
   * lock of each change, so the columns show the real order across server instances.
   * `caller`: the `now` passed to each method (fake clocks in tests, replays).
   */
  clock?: 'database' | 'caller';
}

interface JobPair {
  job: JobRow;
  promoted: JobRow[];
}

const jobs = (rows: readonly JobRow[]): Job[] => rows.map(jobFromRow);

/**
 * The JobStore on PostgreSQL: every method is one call of a jobgate SQL function (see the
 * migrations), so each is one transaction, and the slot decision runs under a
 * transaction-scoped advisory lock that counts running jobs. Works on PostgreSQL servers
 * (postgres.js, pg, through a transaction pooler too) and on PGlite.
 */
export class PostgresStore implements JobStore {
  readonly capabilities: StoreCapabilities;
  readonly schema: string;
  readonly #client: SqlClient;
  readonly #closeClient: boolean;
  readonly #listener: Pick<SqlClient, 'capabilities' | 'listen' | 'close'> | null;
  readonly #feed: PostgresChangeFeed;
  readonly #calls: JobStoreCalls;
  #closed = false;

  constructor(client: SqlClient, options: PostgresStoreOptions = {}) {
    this.#client = client;
    this.schema = checkSchema(options.schema ?? 'public');
    this.#closeClient = options.closeClient ?? true;
    this.#calls = jobStoreCalls(options.clock);
    const listener = options.listenClient ?? client;
    this.#listener = options.listen !== false && listener.capabilities.listen ? listener : null;
    this.#feed = new PostgresChangeFeed({
      client,
      listener: this.#listener,
      schema: this.schema,
      pollIntervalMs: options.pollIntervalMs ?? 1_000,
    });
    const shared = options.shared ?? true;
    this.capabilities = {
      durable: options.durable ?? true,
      shared,
      // Polling sees other processes' changes too (from their updated_at).
      crossProcessEvents: shared,
    };
  }

  /** The SQL client, for callers that need raw access (tests, maintenance). */
  get client(): SqlClient {
    return this.#client;
  }

  async #call<T>(call: SqlCall, jobId?: string): Promise<T> {
    const ready = this.#feed.ready;
    if (ready) await ready;
    const { text, params } = toSqlQuery(call, this.schema);
    try {
      const rows = await this.#client.query<{ r: T }>(text, params);
      return rows[0]!.r;
    } catch (error) {
      throw sqlErrorToJobGateError(error, jobId);
    }
  }

  async create(job: NewJob, options: CreateOptions): Promise<CreateResult> {
    const r = await this.#call<{ job: JobRow; created: boolean; promoted?: JobRow[] }>(
      this.#calls.create(job, options),
      job.id,
    );
    return {
      job: jobFromRow(r.job),
      created: r.created,
      ...(r.promoted ? { promoted: jobs(r.promoted) } : {}),
    };
  }

  async createFailed(
    job: NewJob,
    error: { errorCode: string; errorMessage: string },
    now: number,
  ): Promise<CreateResult> {
    const r = await this.#call<{ job: JobRow; created: boolean }>(
      this.#calls.createFailed(job, error, now),
      job.id,
    );
    return { job: jobFromRow(r.job), created: r.created };
  }

  async get(id: string): Promise<Job | null> {
    const row = await this.#call<JobRow | null>(this.#calls.get(id), id);
    return row ? jobFromRow(row) : null;
  }

  async start(id: string, options: SlotOptions): Promise<StartResult> {
    const r = await this.#call<JobPair>(this.#calls.start(id, options), id);
    return { job: jobFromRow(r.job), promoted: jobs(r.promoted) };
  }

  async attachTask(id: string, taskId: string, now: number): Promise<Job> {
    return jobFromRow(await this.#call<JobRow>(this.#calls.attachTask(id, taskId, now), id));
  }

  async progress(id: string, progress: number, now: number): Promise<Job> {
    return jobFromRow(await this.#call<JobRow>(this.#calls.progress(id, progress, now), id));
  }

  async requeue(id: string, options: RequeueOptions): Promise<StartResult> {
    const r = await this.#call<JobPair>(this.#calls.requeue(id, options), id);
    return { job: jobFromRow(r.job), promoted: jobs(r.promoted) };
  }

  async finish(id: string, outcome: FinishOutcome, options: FinishOptions): Promise<FinishResult> {
    const r = await this.#call<JobPair & { changed: boolean }>(
      this.#calls.finish(id, outcome, options),
      id,
    );
    return { job: jobFromRow(r.job), changed: r.changed, promoted: jobs(r.promoted) };
  }

  async promote(options: SlotOptions): Promise<Job[]> {
    return jobs(await this.#call<JobRow[]>(this.#calls.promote(options)));
  }

  async heal(options: HealOptions): Promise<HealResult> {
    const r = await this.#call<{ healed: JobRow[]; promoted: JobRow[] }>(this.#calls.heal(options));
    return { healed: jobs(r.healed), promoted: jobs(r.promoted) };
  }

  async setCreditState(
    id: string,
    from: CreditState,
    to: CreditState,
    now: number,
  ): Promise<boolean> {
    return this.#call<boolean>(this.#calls.setCreditState(id, from, to, now), id);
  }

  async claimRefund(id: string, now: number, staleMs: number): Promise<Job | null> {
    const row = await this.#call<JobRow | null>(this.#calls.claimRefund(id, now, staleMs), id);
    return row ? jobFromRow(row) : null;
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
      id,
    );
    return { job: jobFromRow(r.job), changed: r.changed };
  }

  async findActive(userId: string): Promise<Job | null> {
    const row = await this.#call<JobRow | null>(this.#calls.findActive(userId));
    return row ? jobFromRow(row) : null;
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

  /**
   * Change notices (see PostgresChangeFeed): LISTEN where the client can, else polling.
   * Store calls made after `subscribe` returns wait until LISTEN is in place, so their
   * changes are seen.
   */
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
    if (this.#closeClient) {
      await this.#client.close();
      if (this.#listener && this.#listener !== this.#client) await this.#listener.close();
    }
  }
}
