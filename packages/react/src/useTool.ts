'use client';
import type {
  ClientFile,
  Job,
  JobClient,
  JobClientState,
  JsonObject,
  JsonValue,
  RunTypes,
  ToolId,
  ToolRun,
  ToolSet,
  UntypedRun,
} from '@jobgate/core/client';
import { useCallback, useMemo } from 'react';
import { quiet, useJobClient } from './useJobClient.js';

/** What {@link useTool} returns: the state, flattened, plus the actions. */
export interface ToolHandle<T extends RunTypes = UntypedRun>
  extends Omit<JobClientState, 'output'> {
  /** `completed`: the job's output. */
  readonly output: T['output'] | null;
  /** The whole (immutable) state object. */
  readonly state: JobClientState;
  /**
   * Runs the tool. Resolves with the completed job; rejects with a JobGateError (the same
   * error is in `state.error`, so an onClick handler may ignore the promise). A call while
   * busy rejects with CLIENT_BUSY and sends nothing.
   */
  run(...args: T['args']): Promise<Job>;
  /** Cancels the job on screen; `confirm` for a job that really waits in the queue or runs. */
  cancel(confirm?: boolean): Promise<Job | null>;
  /** Follows an existing job (e.g. the active job that blocked the run). */
  follow(jobId: string): Promise<Job>;
  /** Back to idle (the job keeps running on the server if it started). */
  reset(): void;
  readonly client: JobClient;
}

/**
 * {@link useTool} typed by the app's tools, with no code added: declare it once,
 * `export const useToolRunner: ToolHook<typeof tools> = useTool;` with
 * `import type { tools } from './tools'`. Unknown ids and wrong inputs then fail to typecheck.
 * `Output` is the type of a completed job's output (the provider's, e.g. RunningHubOutput).
 */
export type ToolHook<R extends ToolSet, Output = JsonValue> = <Id extends ToolId<R>>(
  tool: Id,
) => ToolHandle<ToolRun<R, Id, Output>>;

/** Runs jobs of one tool: the whole client flow, as state + actions. */
export function useTool<T extends RunTypes = UntypedRun>(tool: string): ToolHandle<T> {
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
    () => ({ ...state, state, run, cancel, follow, reset, client }) as ToolHandle<T>,
    [state, run, cancel, follow, reset, client],
  );
}

/** @deprecated Renamed {@link useTool} (a hook per tool; `JobRunner` is the server's). */
export const useJobRunner = useTool;
/** @deprecated Renamed {@link ToolHandle}. */
export type JobRunnerHandle<T extends RunTypes = UntypedRun> = ToolHandle<T>;
/** @deprecated Renamed {@link ToolHook}. */
export type ToolRunnerHook<R extends ToolSet, Output = JsonValue> = ToolHook<R, Output>;
