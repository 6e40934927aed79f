import type { Job } from '../domain/job.js';
import type { JobStatus } from '../domain/jobStatus.js';

/**
 * Who ended a job's task, as the caller of `FailSafe.end` knows it:
 * - `provider`: the provider's own answer ended it (it reported the task completed, failed or
 *   cancelled, does not know it, or finished it with results that could not be stored);
 * - `runner`: jobgate ends a task that may still run (a timeout, a user's cancel, a failure
 *   of jobgate's own).
 */
export type TaskEnd = 'provider' | 'runner';

/**
 * The one rule for whether a job's end calls `provider.cancel` on its task: only when jobgate
 * ended a task that may still run, i.e. the end was the runner's, the job did not complete,
 * it may have been running (`from`), and it has a task. A task the provider itself ended is
 * never cancelled again, and an end is never followed by more than one cancel.
 */
export function cancelsTask(ended: Job, from: readonly JobStatus[], by: TaskEnd): boolean {
  return (
    by === 'runner' &&
    ended.status !== 'completed' &&
    ended.taskId !== null &&
    from.includes('running')
  );
}
