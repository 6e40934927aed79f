import { JobGateError, toJobGateError } from '@jobgate/core';
import { STORE_RETRY_AFTER_MS } from '@jobgate/core/adapter';
import { type SqlCall, type SqlTransport, toRpcArgs } from '@jobgate/postgres';
import type { SupabaseClient } from '@supabase/supabase-js';
import { jobGateErrorFromPostgrest, type PostgrestErrorLike } from './postgrestError.js';

/**
 * The SqlTransport over PostgREST: each call of a jobgate SQL function is one `.rpc` with
 * named arguments (`toRpcArgs`), its value or a JobGateError: the function's own error by
 * its code, STORE_UNAVAILABLE (with a retry hint) when PostgREST could not be reached.
 */
export function postgrestTransport(db: Pick<SupabaseClient, 'rpc'>): SqlTransport {
  return {
    async call<T>(call: SqlCall): Promise<T> {
      let result: { data: unknown; error: PostgrestErrorLike | null; status: number };
      try {
        result = await db.rpc(call.fn, toRpcArgs(call));
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
        throw new JobGateError('INTERNAL', `${call.fn} returned nothing`);
      }
      return result.data as T;
    },
  };
}
