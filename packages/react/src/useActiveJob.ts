'use client';
import type { Job, JobClient, JobClientState, JobGateError } from '@jobgate/core/client';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { quiet, useJobClient } from './useJobClient.js';

export interface ActiveJobHandle {
  /** The user's active job (starting, queued or running), live; null when there is none. */
  readonly job: Job | null;
  /** True until the first answer of the server. */
  readonly loading: boolean;
  /** A failed check, or a failed cancel (e.g. CONFIRM_REQUIRED). */
  readonly error: JobGateError | null;
  /** Cancelling `job` needs `cancel(true)`: it really waits in the queue, or runs. */
  readonly needsConfirm: boolean;
  /** The client state: `blocked` while there is an active job, its progress once followed. */
  readonly state: JobClientState;
  /** Asks the server again. */
  refresh(): Promise<Job | null>;
  /** Follows the active job until it ends (state goes queued/running/completed…). */
  follow(): Promise<Job | null>;
  cancel(confirm?: boolean): Promise<Job | null>;
  readonly client: JobClient;
}

/**
 * The user's active job, checked on mount and whenever the tab becomes visible again
 * while there is none (a job started in another tab shows up).
 */
export function useActiveJob(): ActiveJobHandle {
  const [client, state] = useJobClient();
  const [loading, setLoading] = useState(true);
  const refresh = useCallback(
    () => quiet(client.checkActive().finally(() => setLoading(false))),
    [client],
  );
  useEffect(() => {
    void refresh();
    const doc = typeof document === 'undefined' ? undefined : document;
    const onVisible = () => {
      if (doc?.visibilityState === 'visible' && client.getSnapshot().status === 'idle') {
        void refresh();
      }
    };
    doc?.addEventListener('visibilitychange', onVisible);
    return () => {
      doc?.removeEventListener('visibilitychange', onVisible);
      client.reset();
    };
  }, [client, refresh]);
  const job = state.status === 'blocked' ? state.job : null;
  const follow = useCallback(() => {
    const current = client.getSnapshot();
    if (current.status !== 'blocked' || !current.job) return Promise.resolve(null);
    return quiet(client.follow(current.job.id));
  }, [client]);
  const cancel = useCallback((confirm?: boolean) => quiet(client.cancel(confirm)), [client]);
  return useMemo(
    () => ({
      job,
      loading,
      error: state.error,
      needsConfirm: job !== null && state.needsConfirm,
      state,
      refresh,
      follow,
      cancel,
      client,
    }),
    [job, loading, state, refresh, follow, cancel, client],
  );
}
