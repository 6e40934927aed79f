import type { Job } from './job.js';

/** Events of a JobRunner, each with the job as it is after the change. */
export interface JobEvents {
  /**
   * A new job's row exists. When nothing is charged before the slot decision, the job is
   * created and placed in one step, so it is already `running` or `queued` here.
   */
  created: [Job];
  /** Entered (or went back to) the queue; `job.position` is its place. */
  queued: [Job];
  /** The provider accepted the job (it has a task id). */
  started: [Job];
  progress: [Job];
  completed: [Job];
  failed: [Job];
  cancelled: [Job];
  /** Ended by healing (stale start, lost start, overdue, phantom queue entry). */
  healed: [Job];
  /** An error the runner handled without a caller to report it to (e.g. a refund retry). */
  error: [Error, { jobId?: string; during: string }];
}

export type JobEventName = keyof JobEvents;
