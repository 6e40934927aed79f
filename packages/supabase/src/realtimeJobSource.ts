import { isTerminal, type Job } from '@jobgate/core';
import { type JobRow, jobFromRow } from '@jobgate/core/adapter';
import type { JobUpdateSource } from '@jobgate/core/client';
import type { SupabaseClient } from '@supabase/supabase-js';
import { JOB_COLUMNS } from './jobColumns.js';

export interface RealtimeJobSourceOptions {
  schema?: string;
  table?: string;
  /** The view with positions computed when read. Default `jobgate_jobs_view`. */
  view?: string;
  /** The per-pool "queue moved" table in the Realtime publication. Default `jobgate_queue_moves`. */
  queueMovesTable?: string;
}

/**
 * Live updates of one job through Supabase Realtime: `postgres_changes` on the jobs table,
 * filtered by id (RLS lets a user see only their own rows), and on the per-pool "queue
 * moved" rows. A position is computed when read, never stored, so a queued job is re-read
 * through the view when its row changes and when its pool's queue moves: O(1) Realtime
 * messages per promotion, whatever the queue's length. A channel error or timeout goes to
 * `onError`, so the client falls back to polling.
 */
export function realtimeJobSource(
  client: Pick<SupabaseClient, 'channel' | 'removeChannel' | 'from' | 'schema'>,
  options: RealtimeJobSourceOptions = {},
): JobUpdateSource {
  const schema = options.schema ?? 'public';
  const table = options.table ?? 'jobgate_jobs';
  const view = options.view ?? 'jobgate_jobs_view';
  const movesTable = options.queueMovesTable ?? 'jobgate_queue_moves';
  const db = () => (schema === 'public' ? client : client.schema(schema));
  let counter = 0;
  return {
    subscribe(jobId, onJob, onError) {
      let closed = false;
      let pool: string | null = null;
      let reading: Promise<void> = Promise.resolve();
      const channel = client.channel(`jobgate:job:${jobId}:${++counter}`);
      const close = () => {
        if (closed) return;
        closed = true;
        void client.removeChannel(channel);
      };
      const deliver = (job: Job) => {
        if (closed) return;
        pool = job.pool;
        onJob(job);
        if (isTerminal(job.status)) close();
      };
      // Reads in order, so an older answer never overwrites a newer one.
      const reread = () => {
        reading = reading.then(async () => {
          if (closed) return;
          const { data, error } = await db()
            .from(view)
            .select(JOB_COLUMNS)
            .eq('id', jobId)
            .maybeSingle();
          if (error) onError(error);
          else if (data) deliver(jobFromRow(data as unknown as JobRow));
        });
      };
      channel
        .on(
          'postgres_changes',
          { event: '*', schema, table, filter: `id=eq.${jobId}` },
          (payload: { new?: unknown }) => {
            if (closed) return;
            const row = payload.new as JobRow | undefined;
            if (!row || typeof row !== 'object' || row.id !== jobId) return;
            let job: Job;
            try {
              job = jobFromRow(row);
            } catch (error) {
              onError(error);
              return;
            }
            // The row carries no position: a queued job's place is read through the view.
            if (job.status === 'queued') reread();
            else deliver(job);
          },
        )
        .on(
          'postgres_changes',
          { event: '*', schema, table: movesTable },
          (payload: { new?: unknown }) => {
            if (closed) return;
            const moved = (payload.new as { pool?: unknown } | undefined)?.pool;
            if (typeof moved === 'string' && (pool === null || moved === pool)) reread();
          },
        )
        .subscribe((status: string, error?: Error) => {
          if (closed) return;
          if (status === 'CHANNEL_ERROR' || status === 'TIMED_OUT' || status === 'CLOSED') {
            onError(error ?? new Error(`realtime channel ${status.toLowerCase()}`));
          }
        });
      return close;
    },
  };
}
