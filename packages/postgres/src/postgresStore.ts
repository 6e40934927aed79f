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
  type JobStatus,
  type JobStore,
  type JsonValue,
  jobFromRow,
  type NewJob,
  type RequeueOptions,
  type SlotOptions,
  type StartResult,
  type StoreCapabilities,
} from '@jobgate/core';
import { checkSchema, notifyChannel } from './migrate.js';
import type { SqlClient } from './sqlClient.js';
import { sqlErrorToJobGateError } from './sqlError.js';

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
  listenClient?: Pick<SqlClient, 'listen' | 'close'>;
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

/** A positional argument of a SQL function call, with its SQL type. */
type Arg = readonly [
  name: string,
  value: unknown,
  type: 'text' | 'jsonb' | 'bigint' | 'int' | 'numeric' | 'float',
];

const CAST: Record<Arg[2], string> = {
  text: '::text',
  jsonb: '::text::jsonb',
  bigint: '::bigint',
  int: '::integer',
  numeric: '::numeric',
  float: '::double precision',
};

interface JobPair {
  job: JobRow;
  promoted: JobRow[];
}

const json = (value: unknown): string | null =>
  value === undefined ? null : JSON.stringify(value);
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
  readonly #q: string;
  readonly #pollIntervalMs: number;
  readonly #closeClient: boolean;
  readonly #listener: Pick<SqlClient, 'listen' | 'close'> | null;
  readonly #listeners = new Set<(change: JobChange) => void>();
  readonly #queueListeners = new Set<(pool: string) => void>();
  readonly #callerClock: boolean;
  #listening: Promise<(() => Promise<void>) | null> | null = null;
  #poll: {
    timer: ReturnType<typeof setInterval>;
    watermark: string | null;
    seen: Map<string, string>;
  } | null = null;
  #closed = false;

  constructor(client: SqlClient, options: PostgresStoreOptions = {}) {
    this.#client = client;
    this.schema = checkSchema(options.schema ?? 'public');
    this.#q = `"${this.schema}"`;
    this.#pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.#closeClient = options.closeClient ?? true;
    this.#callerClock = options.clock === 'caller';
    const listener = options.listenClient ?? client;
    this.#listener = options.listen !== false && listener.listen !== undefined ? listener : null;
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

  async #call<T>(fn: string, args: readonly Arg[], jobId?: string): Promise<T> {
    if (this.#listening) await this.#listening;
    const list = args.map(([name, , type], i) => `${name} => $${i + 1}${CAST[type]}`).join(', ');
    const text = `SELECT ${this.#q}.jobgate_${fn}(${list}) AS r`;
    try {
      const rows = await this.#client.query<{ r: T }>(
        text,
        args.map(([, value]) => (value === undefined ? null : value)),
      );
      return rows[0]!.r;
    } catch (error) {
      throw sqlErrorToJobGateError(error, jobId);
    }
  }

  /** The time a call passes: null lets the database clock decide (see `clock`). */
  #now(now: number): number | null {
    return this.#callerClock ? now : null;
  }

  #newJobArgs(job: NewJob): Arg[] {
    return [
      ['p_id', job.id, 'text'],
      ['p_tool', job.tool, 'text'],
      ['p_user_id', job.userId, 'text'],
      ['p_pool', job.pool, 'text'],
      ['p_input', json(job.input), 'jsonb'],
      ['p_user_credit_cost', job.userCreditCost, 'numeric'],
    ];
  }

  async create(job: NewJob, options: CreateOptions): Promise<CreateResult> {
    const r = await this.#call<{ job: JobRow; created: boolean; promoted?: JobRow[] }>(
      'create',
      [
        ...this.#newJobArgs(job),
        ['p_max_active', options.maxActivePerUser, 'int'],
        ['p_now', this.#now(options.now), 'bigint'],
        ...(options.start ? ([['p_limits', json(options.start), 'jsonb']] as Arg[]) : []),
      ],
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
      'create_failed',
      [
        ...this.#newJobArgs(job),
        ['p_error_code', error.errorCode, 'text'],
        ['p_error_message', error.errorMessage, 'text'],
        ['p_now', this.#now(now), 'bigint'],
      ],
      job.id,
    );
    return { job: jobFromRow(r.job), created: r.created };
  }

  async get(id: string): Promise<Job | null> {
    const row = await this.#call<JobRow | null>('get', [['p_id', id, 'text']], id);
    return row ? jobFromRow(row) : null;
  }

  async start(id: string, options: SlotOptions): Promise<StartResult> {
    const r = await this.#call<JobPair>(
      'start',
      [
        ['p_id', id, 'text'],
        ['p_limits', json(options.limits), 'jsonb'],
        ['p_now', this.#now(options.now), 'bigint'],
      ],
      id,
    );
    return { job: jobFromRow(r.job), promoted: jobs(r.promoted) };
  }

  async attachTask(id: string, taskId: string, now: number): Promise<Job> {
    const row = await this.#call<JobRow>(
      'attach_task',
      [
        ['p_id', id, 'text'],
        ['p_task_id', taskId, 'text'],
        ['p_now', this.#now(now), 'bigint'],
      ],
      id,
    );
    return jobFromRow(row);
  }

  async progress(id: string, progress: number, now: number): Promise<Job> {
    const row = await this.#call<JobRow>(
      'progress',
      [
        ['p_id', id, 'text'],
        ['p_progress', Number.isFinite(progress) ? progress : null, 'float'],
        ['p_now', this.#now(now), 'bigint'],
      ],
      id,
    );
    return jobFromRow(row);
  }

  async requeue(id: string, options: RequeueOptions): Promise<StartResult> {
    const r = await this.#call<JobPair>(
      'requeue',
      [
        ['p_id', id, 'text'],
        ['p_limits', json(options.limits), 'jsonb'],
        ['p_now', this.#now(options.now), 'bigint'],
        ['p_retry_at', options.retryAt, 'bigint'],
        ['p_error_code', options.errorCode, 'text'],
        ['p_error_message', options.errorMessage, 'text'],
      ],
      id,
    );
    return { job: jobFromRow(r.job), promoted: jobs(r.promoted) };
  }

  async finish(id: string, outcome: FinishOutcome, options: FinishOptions): Promise<FinishResult> {
    const completed = outcome.status === 'completed';
    const r = await this.#call<JobPair & { changed: boolean }>(
      'finish',
      [
        ['p_id', id, 'text'],
        ['p_status', outcome.status, 'text'],
        ['p_output', completed ? json(outcome.output ?? null) : null, 'jsonb'],
        ['p_error_code', completed ? null : outcome.errorCode, 'text'],
        ['p_error_message', completed ? null : outcome.errorMessage, 'text'],
        ['p_from', options.from === undefined ? null : json(options.from), 'jsonb'],
        ['p_limits', json(options.limits), 'jsonb'],
        ['p_now', this.#now(options.now), 'bigint'],
        ['p_task_id', options.taskId ?? null, 'text'],
      ],
      id,
    );
    return { job: jobFromRow(r.job), changed: r.changed, promoted: jobs(r.promoted) };
  }

  async promote(options: SlotOptions): Promise<Job[]> {
    const rows = await this.#call<JobRow[]>('promote', [
      ['p_limits', json(options.limits), 'jsonb'],
      ['p_now', this.#now(options.now), 'bigint'],
    ]);
    return jobs(rows);
  }

  async heal(options: HealOptions): Promise<HealResult> {
    const r = await this.#call<{ healed: JobRow[]; promoted: JobRow[] }>('heal', [
      ['p_limits', json(options.limits), 'jsonb'],
      ['p_now', this.#now(options.now), 'bigint'],
      ['p_stale_start_ms', options.staleStartMs, 'bigint'],
      ['p_lost_start_ms', options.lostStartMs, 'bigint'],
      ['p_max_queue_ms', options.maxQueueMs, 'bigint'],
      ['p_pool', options.pool ?? null, 'text'],
      ['p_lease_ms', options.leaseMs ?? null, 'bigint'],
    ]);
    return { healed: jobs(r.healed), promoted: jobs(r.promoted) };
  }

  async setCreditState(
    id: string,
    from: CreditState,
    to: CreditState,
    now: number,
  ): Promise<boolean> {
    return this.#call<boolean>(
      'set_credit_state',
      [
        ['p_id', id, 'text'],
        ['p_from', from, 'text'],
        ['p_to', to, 'text'],
        ['p_now', this.#now(now), 'bigint'],
      ],
      id,
    );
  }

  async claimRefund(id: string, now: number, staleMs: number): Promise<Job | null> {
    const row = await this.#call<JobRow | null>(
      'claim_refund',
      [
        ['p_id', id, 'text'],
        ['p_now', now, 'bigint'],
        ['p_stale_ms', staleMs, 'bigint'],
      ],
      id,
    );
    return row ? jobFromRow(row) : null;
  }

  async renewLeases(ids: readonly string[], until: number, now: number): Promise<number> {
    if (ids.length === 0) return 0;
    return Number(
      await this.#call<number>('renew_leases', [
        ['p_ids', json(ids), 'jsonb'],
        ['p_until', until, 'bigint'],
        ['p_now', now, 'bigint'],
      ]),
    );
  }

  async recordLateOutput(
    id: string,
    update: { taskId: string | null; output: JsonValue },
    now: number,
  ): Promise<{ job: Job; changed: boolean }> {
    const r = await this.#call<{ job: JobRow; changed: boolean }>(
      'record_late_output',
      [
        ['p_id', id, 'text'],
        ['p_task_id', update.taskId, 'text'],
        ['p_output', json(update.output), 'jsonb'],
        ['p_now', now, 'bigint'],
      ],
      id,
    );
    return { job: jobFromRow(r.job), changed: r.changed };
  }

  async findActive(userId: string): Promise<Job | null> {
    const row = await this.#call<JobRow | null>('find_active', [['p_user_id', userId, 'text']]);
    return row ? jobFromRow(row) : null;
  }

  async list(query: JobQuery): Promise<Job[]> {
    const rows = await this.#call<JobRow[]>('list', [
      ['p_user_id', query.userId ?? null, 'text'],
      ['p_status', query.status === undefined ? null : json(query.status), 'jsonb'],
      ['p_tool', query.tool ?? null, 'text'],
      ['p_limit', query.limit ?? null, 'int'],
      ['p_credit_state', query.creditState ?? null, 'text'],
    ]);
    return jobs(rows);
  }

  async queue(pool?: string): Promise<Job[]> {
    return jobs(await this.#call<JobRow[]>('queue', [['p_pool', pool ?? null, 'text']]));
  }

  async counts(pool: string): Promise<{ running: number; queued: number }> {
    const r = await this.#call<{ running: number; queued: number }>('counts', [
      ['p_pool', pool, 'text'],
    ]);
    return { running: Number(r.running), queued: Number(r.queued) };
  }

  /**
   * Change notices: LISTEN on the schema's channel where the client can (one NOTIFY per
   * changed row and one per pool whose queue moved, sent by a trigger), else polling
   * `updated_at`. Store calls made after `subscribe` returns wait until LISTEN is in place,
   * so their changes are seen.
   */
  subscribe(
    listener: (change: JobChange) => void,
    onQueueMoved?: (pool: string) => void,
  ): () => void {
    this.#listeners.add(listener);
    if (onQueueMoved) this.#queueListeners.add(onQueueMoved);
    if (!this.#closed && this.#listening === null && this.#poll === null) {
      if (this.#listener?.listen) {
        this.#listening = this.#listener
          .listen(notifyChannel(this.schema), (payload) => this.#onPayload(payload))
          .catch(() => {
            // LISTEN refused (e.g. a transaction pooler): fall back to polling.
            this.#startPolling();
            return null;
          });
      } else {
        this.#startPolling();
      }
    }
    return () => {
      this.#listeners.delete(listener);
      if (onQueueMoved) this.#queueListeners.delete(onQueueMoved);
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    this.#queueListeners.clear();
    if (this.#poll) clearInterval(this.#poll.timer);
    this.#poll = null;
    const unlisten = this.#listening ? await this.#listening : null;
    this.#listening = null;
    if (unlisten) await unlisten().catch(() => undefined);
    if (this.#closeClient) {
      await this.#client.close?.();
      if (this.#listener && this.#listener !== this.#client) await this.#listener.close?.();
    }
  }

  #emit(change: JobChange): void {
    for (const listener of [...this.#listeners]) listener(change);
  }

  #emitQueueMoved(pool: string): void {
    for (const listener of [...this.#queueListeners]) listener(pool);
  }

  #onPayload(payload: string): void {
    try {
      const p = JSON.parse(payload) as
        | { id: string; status: JobStatus; user_id: string }
        | { pool: string; queue: 'moved' };
      if ('queue' in p) this.#emitQueueMoved(p.pool);
      else this.#emit({ id: p.id, status: p.status, userId: p.user_id });
    } catch {
      // Not ours: ignore.
    }
  }

  #startPolling(): void {
    const poll = {
      timer: setInterval(() => void this.#pollOnce(), this.#pollIntervalMs),
      watermark: null as string | null,
      seen: new Map<string, string>(),
    };
    (poll.timer as { unref?: () => void }).unref?.();
    this.#poll = poll;
    void this.#pollOnce();
  }

  async #pollOnce(): Promise<void> {
    const poll = this.#poll;
    if (!poll) return;
    try {
      if (poll.watermark === null) {
        // Start from the newest change: subscribers see what happens from now on.
        const [top] = await this.#client.query<{ at: string | null }>(
          `SELECT max(updated_at)::text AS at FROM ${this.#q}.jobgate_jobs`,
        );
        poll.watermark = top?.at ?? '-infinity';
        return;
      }
      const rows = await this.#client.query<{
        id: string;
        status: JobStatus;
        user_id: string;
        pool: string;
        at: string;
      }>(
        `SELECT id, status, user_id, pool, updated_at::text AS at FROM ${this.#q}.jobgate_jobs
          WHERE updated_at >= $1::text::timestamptz ORDER BY updated_at LIMIT 10000`,
        [poll.watermark],
      );
      if (poll.seen.size > 10_000) poll.seen.clear();
      // Polling cannot tell which change moved a queue: every pool with a change this tick
      // gets one queue notice (positions are cheap to re-read).
      const pools = new Set<string>();
      for (const row of rows) {
        const key = `${row.status}|${row.at}`;
        if (poll.seen.get(row.id) === key) continue;
        poll.seen.set(row.id, key);
        poll.watermark = row.at;
        this.#emit({ id: row.id, status: row.status, userId: row.user_id });
        pools.add(row.pool);
      }
      for (const pool of pools) this.#emitQueueMoved(pool);
    } catch {
      // Try again on the next tick.
    }
  }
}
