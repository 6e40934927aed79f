import { JobGateError } from '@jobgate/core';
import type { JobRow } from '@jobgate/core/adapter';
import type { SqlCall, SqlTransport } from '@jobgate/postgres';
import type { SupabaseClient } from '@supabase/supabase-js';
import { JOB_COLUMNS } from './jobColumns.js';
import { jobGateErrorFromPostgrest } from './postgrestError.js';

type Db = Pick<SupabaseClient, 'from'>;

/**
 * The reads of a client that may not execute the SQL functions (a user's, under RLS):
 * `jobgate_get`, `jobgate_find_active` and `jobgate_list` answered from the view, where RLS
 * shows the caller's own jobs only, in the order of packages/postgres/sql/reads.sql.
 */
async function readView(db: Db, view: string, call: SqlCall): Promise<unknown> {
  const args = call.args as Record<string, unknown>;
  const from = () => db.from(view).select(JOB_COLUMNS);
  if (call.fn === 'jobgate_get') {
    const { data, error, status } = await from()
      .eq('id', args.p_id as string)
      .maybeSingle();
    if (error) throw jobGateErrorFromPostgrest(error, status);
    return data ?? null;
  }
  if (call.fn === 'jobgate_find_active') {
    const { data, error, status } = await from()
      .eq('user_id', args.p_user_id as string)
      .in('status', ['starting', 'queued', 'running'])
      .order('created_at', { ascending: true })
      .order('row_seq', { ascending: true })
      .limit(1);
    if (error) throw jobGateErrorFromPostgrest(error, status);
    return (data as unknown as JobRow[] | null)?.[0] ?? null;
  }
  let builder = from();
  if (typeof args.p_user_id === 'string') builder = builder.eq('user_id', args.p_user_id);
  if (Array.isArray(args.p_status)) builder = builder.in('status', args.p_status);
  if (typeof args.p_tool === 'string') builder = builder.eq('tool', args.p_tool);
  if (typeof args.p_credit_state === 'string') {
    builder = builder.eq('credit_state', args.p_credit_state);
  }
  let ordered = builder
    .order('created_at', { ascending: false })
    .order('row_seq', { ascending: true });
  if (typeof args.p_limit === 'number') ordered = ordered.limit(args.p_limit);
  const { data, error, status } = await ordered;
  if (error) throw jobGateErrorFromPostgrest(error, status);
  return data ?? [];
}

const READS = new Set<string>(['jobgate_get', 'jobgate_find_active', 'jobgate_list']);

/**
 * `rpc`, where a read the SQL functions refuse (FORBIDDEN: they are executable by
 * `service_role` only) is answered from `view` under RLS instead: the service role reads
 * through the SQL functions like PostgresStore, a user's client still reads its own jobs.
 */
export function withRlsReads(rpc: SqlTransport, db: Db, view: string): SqlTransport {
  return {
    async call<T>(call: SqlCall): Promise<T> {
      try {
        return await rpc.call<T>(call);
      } catch (error) {
        if (!READS.has(call.fn) || !(error instanceof JobGateError)) throw error;
        if (error.code !== 'FORBIDDEN') throw error;
        return (await readView(db, view, call)) as T;
      }
    },
  };
}
