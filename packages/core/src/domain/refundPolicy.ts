import type { Job } from './job.js';

/**
 * When a charged job that did not complete gets its credits back. Failed jobs always do
 * (provider errors, START_LOST, TIMEOUT, crashes: the user got nothing), and so do jobs
 * cancelled before they ran (starting or queued, by the user or by healing). A job the
 * user cancelled while it ran is the one case an app may keep: the provider may already
 * have spent the GPU time. The runner's `refundPolicy` sets the default and a tool's own
 * `refundCancelWhileRunning` overrides it.
 */
export interface RefundPolicy {
  /** Refund a job the user cancelled while it was running. Default true. */
  cancelWhileRunning?: boolean;
}

/** True if `job` (terminal, charged) is owed its credits back under the policy. */
export function refundDue(
  job: Pick<Job, 'status' | 'startedAt'>,
  policy: RefundPolicy = {},
  tool?: { readonly refundCancelWhileRunning?: boolean | null },
): boolean {
  if (job.status === 'failed') return true;
  if (job.status !== 'cancelled') return false;
  // startedAt is set only while a job holds a slot (a requeue clears it), so a cancelled
  // job with startedAt was cancelled while running.
  if (job.startedAt === null) return true;
  return tool?.refundCancelWhileRunning ?? policy.cancelWhileRunning ?? true;
}
