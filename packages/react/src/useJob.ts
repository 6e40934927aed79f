'use client';
import type { JobClientState } from '@jobgate/core/client';
import { useEffect } from 'react';
import { useJobClient } from './useJobClient.js';

/**
 * Follows one job by id (live updates, polling fallback, refresh on tab focus) until it
 * ends. `null`/`undefined` follows nothing (state `idle`).
 */
export function useJob(jobId: string | null | undefined): JobClientState {
  const [client, state] = useJobClient();
  useEffect(() => {
    if (!jobId) return;
    void client.follow(jobId);
    return () => client.reset();
  }, [client, jobId]);
  return state;
}
