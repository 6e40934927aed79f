'use client';
import type { ClientFile, Job, JobClient, JobClientState, JsonObject } from '@jobgate/core/client';
import { useCallback, useMemo } from 'react';
import { useJobClient } from './useJobClient.js';

/** What {@link useJobRunner} returns: the state, flattened, plus the actions. */
export interface JobRunnerHandle extends JobClientState {
  /** The whole (immutable) state object. */
  readonly state: JobClientState;
  /**
   * Runs the tool. Resolves with the completed job; rejects with a JobGateError (the same
   * error is in `state.error`, so an onClick handler may ignore the promise). A call while
   * busy rejects with CLIENT_BUSY and sends nothing.
   */
  run(input: JsonObject, files?: Readonly<Record<string, ClientFile>>): Promise<Job>;
  /** Cancels the job on screen; `confirm` for a job that really waits in the queue or runs. */
  cancel(confirm?: boolean): Promise<Job | null>;
  /** Follows an existing job (e.g. the active job that blocked the run). */
  follow(jobId: string): Promise<Job>;
  /** Back to idle (the job keeps running on the server if it started). */
  reset(): void;
  readonly client: JobClient;
}

const quiet = <T>(promise: Promise<T>): Promise<T> => {
  promise.catch(() => {});
  return promise;
};

/** Runs jobs of one tool: the whole client flow, as state + actions. */
export function useJobRunner(tool: string): JobRunnerHandle {
  const [client, state] = useJobClient();
  const run = useCallback(
    (input: JsonObject, files?: Readonly<Record<string, ClientFile>>) =>
      client.run(tool, input, files),
    [client, tool],
  );
  const cancel = useCallback((confirm?: boolean) => quiet(client.cancel(confirm)), [client]);
  const follow = useCallback((jobId: string) => client.follow(jobId), [client]);
  const reset = useCallback(() => client.reset(), [client]);
  return useMemo(
    () => ({ ...state, state, run, cancel, follow, reset, client }),
    [state, run, cancel, follow, reset, client],
  );
}
