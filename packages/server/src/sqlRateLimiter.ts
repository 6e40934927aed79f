import { JobGateError, toJobGateError } from '@jobgate/core';
import {
  decide,
  type RateAlgorithm,
  type RateDecision,
  type RateLimiter,
  type RateRule,
  windowStart,
} from './rateLimiter.js';

/**
 * The smallest SQL client: runs one parameterised statement ($1, $2, …) and returns its rows.
 * postgres.js: `(text, params) => sql.unsafe(text, params)`; pg: `(t, p) => pool.query(t, p).then(r => r.rows)`.
 */
export type SqlQuery = (
  text: string,
  params: readonly unknown[],
) => Promise<readonly Record<string, unknown>[]>;

/** An object with a `query(text, params)` method, e.g. `postgresJsClient(sql)` of @jobgate/postgres. */
export interface SqlQueryable {
  query(text: string, params?: readonly unknown[]): Promise<readonly object[]>;
}

export interface SqlRateLimiterOptions {
  /** A query function, or a client with a `query` method (the SqlClient of @jobgate/postgres). */
  query: SqlQuery | SqlQueryable;
  /** Table name, optionally schema-qualified. Default `jobgate_rate_limits`. */
  table?: string;
  /** Default `fixed`. */
  algorithm?: RateAlgorithm;
}

const IDENT = /^[a-z_][a-z0-9_]{0,62}(\.[a-z_][a-z0-9_]{0,62})?$/;

/** The table of the SQL rate limiter (part of the Supabase migrations too). */
export function rateLimitTableSql(table = 'jobgate_rate_limits'): string {
  checkIdent(table);
  return `create table if not exists ${table} (
  key text primary key,
  window_ms bigint not null,
  window_start bigint not null,
  hits integer not null,
  previous_hits integer not null default 0
);`;
}

/**
 * A per-key rate limit kept in PostgreSQL, so every instance of a serverless function shares
 * it. One statement per hit (an upsert that rolls the window and counts), atomic under
 * concurrency without a lock of its own; fixed window or sliding-window counter.
 */
export class SqlRateLimiter implements RateLimiter {
  readonly #query: SqlQuery;
  readonly #table: string;
  readonly #algorithm: RateAlgorithm;
  readonly #statement: string;

  constructor(options: SqlRateLimiterOptions) {
    const q = options.query;
    this.#query =
      typeof q === 'function'
        ? q
        : async (text, params) => (await q.query(text, params)) as Record<string, unknown>[];
    this.#table = checkIdent(options.table ?? 'jobgate_rate_limits');
    this.#algorithm = options.algorithm ?? 'fixed';
    this.#statement = `insert into ${this.#table} as r (key, window_ms, window_start, hits, previous_hits)
values ($1, $2, $3, 1, 0)
on conflict (key) do update set
  previous_hits = case
    when r.window_ms <> excluded.window_ms then 0
    when r.window_start = excluded.window_start then r.previous_hits
    when r.window_start = excluded.window_start - excluded.window_ms then r.hits
    else 0 end,
  hits = case
    when r.window_ms = excluded.window_ms and r.window_start = excluded.window_start then r.hits + 1
    else 1 end,
  window_ms = excluded.window_ms,
  window_start = excluded.window_start
returning hits, previous_hits`;
  }

  /** Creates the table if it is missing. */
  async migrate(): Promise<void> {
    await this.#query(rateLimitTableSql(this.#table), []);
  }

  async hit(key: string, rule: RateRule, now: number): Promise<RateDecision> {
    const start = windowStart(now, rule.windowMs);
    let rows: readonly Record<string, unknown>[];
    try {
      rows = await this.#query(this.#statement, [key, rule.windowMs, start]);
    } catch (error) {
      throw toJobGateError(error, 'INTERNAL');
    }
    const row = rows[0];
    if (!row) throw new JobGateError('INTERNAL', 'the rate limit statement returned no row');
    return decide(this.#algorithm, rule, now, Number(row.hits), Number(row.previous_hits));
  }

  /** Deletes counters older than two of their windows (for the maintenance route or a cron). */
  async prune(now: number): Promise<number> {
    const rows = await this.#query(
      `delete from ${this.#table} where window_start < $1 - 2 * window_ms returning key`,
      [now],
    );
    return rows.length;
  }
}

function checkIdent(table: string): string {
  if (!IDENT.test(table)) throw new JobGateError('INTERNAL', `invalid table name "${table}"`);
  return table;
}
