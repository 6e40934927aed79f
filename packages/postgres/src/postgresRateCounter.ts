import { JobGateError } from '@jobgate/core';
import { checkSchema } from './migrate.js';
import type { SqlExecutor } from './sqlClient.js';
import { sqlErrorToJobGateError } from './sqlError.js';

export interface PostgresRateCounterOptions {
  /** Schema of the jobgate tables (migration 010 creates `jobgate_rate_limits`). Default `public`. */
  schema?: string;
}

/**
 * Counts one hit of a key in a fixed window and answers that window's hits and the previous
 * one's: the counter `counterRateLimiter` of @jobgate/server decides on.
 */
export interface PostgresRateCounter {
  (
    key: string,
    windowMs: number,
    windowStart: number,
  ): Promise<{
    hits: number;
    previousHits: number;
  }>;
  /** Deletes the counters older than two of their windows; resolves with how many. */
  prune(now: number): Promise<number>;
}

/**
 * The per-user rate limit counter in PostgreSQL, shared by every instance of a serverless
 * function: each hit is one call of `jobgate_rate_limit_hit` (sql/rateLimits.sql), one
 * atomic statement, so it works through transaction poolers. The decision is made over it by
 * @jobgate/server:
 * `rateLimiter: counterRateLimiter(postgresRateCounter(client), { algorithm: 'sliding' })`.
 */
export function postgresRateCounter(
  client: Pick<SqlExecutor, 'query'>,
  options: PostgresRateCounterOptions = {},
): PostgresRateCounter {
  const q = `"${checkSchema(options.schema ?? 'public')}"`;
  const call = async <T>(text: string, params: readonly unknown[]): Promise<T> => {
    try {
      const rows = await client.query<{ r: T }>(text, params);
      return rows[0]!.r;
    } catch (error) {
      throw sqlErrorToJobGateError(error);
    }
  };
  const count = async (key: string, windowMs: number, windowStart: number) => {
    const row = await call<{ hits?: unknown; previousHits?: unknown } | null>(
      `SELECT ${q}.jobgate_rate_limit_hit($1::text, $2::bigint, $3::bigint) AS r`,
      [key, windowMs, windowStart],
    );
    if (!row || typeof row.hits !== 'number') {
      throw new JobGateError('INTERNAL', 'jobgate_rate_limit_hit returned no count');
    }
    return { hits: row.hits, previousHits: Number(row.previousHits ?? 0) };
  };
  return Object.assign(count, {
    prune: async (now: number) =>
      Number(await call<number>(`SELECT ${q}.jobgate_rate_limit_prune($1::bigint) AS r`, [now])),
  });
}
