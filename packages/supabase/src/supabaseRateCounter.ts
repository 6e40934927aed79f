import { JobGateError } from '@jobgate/core';
import type { SupabaseClient } from '@supabase/supabase-js';
import { jobGateErrorFromPostgrest } from './postgrestError.js';

/**
 * The per-user rate limit counter kept in the database, through supabase-js: one `.rpc` to
 * `jobgate_rate_limit_hit` of @jobgate/postgres (the same function `postgresRateCounter`
 * calls over SQL; service role only). Give it to `counterRateLimiter` of @jobgate/server:
 * `rateLimiter: counterRateLimiter(supabaseRateCounter(serviceClient))`.
 */
export function supabaseRateCounter(
  client: Pick<SupabaseClient, 'rpc'>,
): (
  key: string,
  windowMs: number,
  windowStart: number,
) => Promise<{ hits: number; previousHits: number }> {
  return async (key, windowMs, windowStart) => {
    const { data, error, status } = await client.rpc('jobgate_rate_limit_hit', {
      p_key: key,
      p_window_ms: windowMs,
      p_window_start: windowStart,
    });
    if (error) throw jobGateErrorFromPostgrest(error, status);
    const row = data as { hits?: unknown; previousHits?: unknown } | null;
    if (!row || typeof row.hits !== 'number') {
      throw new JobGateError('INTERNAL', 'jobgate_rate_limit_hit returned no count');
    }
    return { hits: row.hits, previousHits: Number(row.previousHits ?? 0) };
  };
}
