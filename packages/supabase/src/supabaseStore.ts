import { SqlStore } from '@jobgate/postgres';
import type { SupabaseClient } from '@supabase/supabase-js';
import { postgrestTransport } from './postgrestRpc.js';
import { withRlsReads } from './rlsReads.js';
import { SupabaseChangeFeed } from './supabaseChangeFeed.js';

export interface SupabaseStoreOptions {
  /**
   * A supabase-js client. On the server: the service-role client (every call goes to the SQL
   * functions, executable by `service_role` only). With a user's client the reads work under
   * RLS (own jobs only, through `view`) and every change is refused.
   */
  client: SupabaseClient;
  /** Schema of the jobgate objects (must be exposed by the API). Default `public`. */
  schema?: string;
  /** Table name (of the Realtime channel). Default `jobgate_jobs`. */
  table?: string;
  /**
   * The view a user's client reads through under RLS: the table's rows with `position`
   * computed when read (positions are never stored). Default `jobgate_jobs_view`.
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

/**
 * The JobStore over supabase-js: SqlStore of @jobgate/postgres (the same calls of the same
 * SQL functions as PostgresStore, one transaction each, the slot decision under an advisory
 * lock) with every call one `.rpc(...)` through PostgREST. Its own calls' changes are
 * announced in process; with `realtime`, other processes' come through Supabase Realtime.
 * Reads the SQL functions refuse (a user's client) go through the view, under RLS.
 */
export class SupabaseStore extends SqlStore {
  constructor(options: SupabaseStoreOptions) {
    const schema = options.schema ?? 'public';
    const db = schema === 'public' ? options.client : options.client.schema(schema);
    const realtime = options.realtime === true;
    super({
      transport: withRlsReads(postgrestTransport(db), db, options.view ?? 'jobgate_jobs_view'),
      feed: new SupabaseChangeFeed({
        client: options.client,
        schema,
        table: options.table ?? 'jobgate_jobs',
        realtime,
      }),
      capabilities: { durable: true, shared: true, crossProcessEvents: realtime },
      ...(options.clock === undefined ? {} : { clock: options.clock }),
    });
  }
}

export function createSupabaseStore(options: SupabaseStoreOptions): SupabaseStore {
  return new SupabaseStore(options);
}
