import { isTerminal, type Job, type JobRow, jobFromRow } from '@jobgate/core';
import type { JobUpdateSource } from '@jobgate/core/client';
import type { SupabaseClient } from '@supabase/supabase-js';

export interface RealtimeJobSourceOptions {
  schema?: string;
  table?: string;
}

/**
 * Live updates of one job through Supabase Realtime (`postgres_changes` on the jobs table,
 * filtered by id; RLS lets a user see only their own rows). A channel error or timeout goes
 * to `onError`, so the client falls back to polling.
 */
export function realtimeJobSource(
  client: Pick<SupabaseClient, 'channel' | 'removeChannel'>,
  options: RealtimeJobSourceOptions = {},
): JobUpdateSource {
  const schema = options.schema ?? 'public';
  const table = options.table ?? 'jobgate_jobs';
  let counter = 0;
  return {
    subscribe(jobId, onJob, onError) {
      let closed = false;
      const channel = client.channel(`jobgate:job:${jobId}:${++counter}`);
      const close = () => {
        if (closed) return;
        closed = true;
        void client.removeChannel(channel);
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
            onJob(job);
            if (isTerminal(job.status)) close();
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
