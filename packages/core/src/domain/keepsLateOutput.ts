import type { Job } from './job.js';

/**
 * The codes of a job jobgate failed without the provider's word (overdue, a start or a task
 * it lost track of): the provider may still finish it.
 */
const ENDED_WITHOUT_PROVIDER: readonly (string | null)[] = ['TIMEOUT', 'START_LOST', 'TASK_LOST'];

/**
 * True if a result the provider sends for `job` after it ended is kept on it (the job stays
 * failed, so its refund stands): only for those codes, only the first result, and only from
 * the job's own task (`taskId` null: the sender does not say which).
 */
export function keepsLateOutput(job: Job, taskId: string | null): boolean {
  return (
    job.status === 'failed' &&
    ENDED_WITHOUT_PROVIDER.includes(job.errorCode) &&
    job.output === null &&
    (taskId === null || job.taskId === null || job.taskId === taskId)
  );
}
