import type { Job } from './job.js';

/**
 * True when the job really waits in the queue (the pool was full, it has a place). A row
 * that says `queued` without a place is a phantom (the old app's bug shape): nothing is
 * lost by cancelling it.
 */
export function isRealQueued(job: Job): boolean {
  return job.status === 'queued' && job.waitedInQueue && job.position !== null;
}

/**
 * Cancelling this job costs the user something (its place in the queue, or a run under
 * way), so the runner and the client both ask for `confirm: true` first.
 */
export function needsConfirm(job: Job): boolean {
  return job.status === 'running' || isRealQueued(job);
}
