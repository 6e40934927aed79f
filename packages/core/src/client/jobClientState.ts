import type { JobGateError } from '../domain/errors.js';
import type { Job, JsonValue } from '../domain/job.js';
import { isTerminal } from '../domain/jobStatus.js';
import { isNotOlder, jobError, needsConfirm, sameView } from './jobHelpers.js';

export type JobClientStatus =
  | 'idle'
  | 'uploading'
  | 'starting'
  | 'queued'
  | 'running'
  | 'completed'
  | 'failed'
  | 'blocked';

/**
 * What the UI shows. A new frozen object on every change. Fields that do not apply to the
 * status are null.
 */
export interface JobClientState {
  readonly status: JobClientStatus;
  /** The tool of the run (of the blocking job when `blocked`). */
  readonly tool: string | null;
  readonly jobId: string | null;
  /** The job as last seen (the user's other active job when `blocked`). */
  readonly job: Job | null;
  /** `uploading`: the share of bytes sent, 0..1. `running`: provider progress where it reports one. */
  readonly progress: number | null;
  /** `queued` (and `blocked` by a queued job): the place in the queue, 1 = next. */
  readonly position: number | null;
  /** `completed`: the job's output. */
  readonly output: JsonValue | null;
  /** `failed`: why. `blocked`: a failed cancel (e.g. CONFIRM_REQUIRED). `idle`: a failed active-job check. */
  readonly error: JobGateError | null;
  /** The lock is held: `run` and `follow` are refused with CLIENT_BUSY. */
  readonly isBusy: boolean;
  /** Cancelling `job` needs `cancel(true)`: it really waits in the queue, or runs. */
  readonly needsConfirm: boolean;
}

export const IDLE_STATE: JobClientState = Object.freeze({
  status: 'idle',
  tool: null,
  jobId: null,
  job: null,
  progress: null,
  position: null,
  output: null,
  error: null,
  isBusy: false,
  needsConfirm: false,
});

/** The state that shows `job` as the run's own; a cancelled job shows as `failed`. */
export function stateFromJob(job: Job, tool: string | null): JobClientState {
  const status: JobClientStatus =
    job.status === 'cancelled' || job.status === 'failed' ? 'failed' : job.status;
  return {
    status,
    tool: tool ?? job.tool,
    jobId: job.id,
    job,
    progress: job.status === 'running' ? job.progress : null,
    position: job.status === 'queued' ? job.position : null,
    output: job.status === 'completed' ? job.output : null,
    error: status === 'failed' ? jobError(job) : null,
    isBusy: !isTerminal(job.status),
    needsConfirm: needsConfirm(job),
  };
}

/** The user's other active job stands in the way: shown, but the lock is free. */
export function blockedState(job: Job): JobClientState {
  return { ...stateFromJob(job, job.tool), status: 'blocked', isBusy: false };
}

/**
 * The state after a job from the server (submit answer, update, poll, cancel answer), or
 * null when it changes nothing: another job, an end already shown, an answer older than
 * the one on screen, or a repeat. `byUs`: the user asked to cancel this run, so its
 * cancelled job means "back to idle", not a failure.
 */
export function stateAfterJob(
  state: JobClientState,
  job: Job,
  byUs: boolean,
): JobClientState | null {
  if (
    (state.jobId !== null && job.id !== state.jobId) ||
    (state.job && (isTerminal(state.job.status) || sameView(state.job, job))) ||
    !isNotOlder(job, state.job)
  ) {
    return null;
  }
  if (state.status === 'blocked') return isTerminal(job.status) ? IDLE_STATE : blockedState(job);
  return byUs && job.status === 'cancelled' ? IDLE_STATE : stateFromJob(job, state.tool);
}
