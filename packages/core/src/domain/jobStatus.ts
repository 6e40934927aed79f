import { JobGateError } from './errors.js';

/** Every status a job can have. One type, shared by UI, server and database. */
export const JOB_STATUSES = [
  'starting',
  'queued',
  'running',
  'completed',
  'failed',
  'cancelled',
] as const;

export type JobStatus = (typeof JOB_STATUSES)[number];
export type ActiveStatus = 'starting' | 'queued' | 'running';
export type TerminalStatus = 'completed' | 'failed' | 'cancelled';

export const ACTIVE_STATUSES: readonly ActiveStatus[] = ['starting', 'queued', 'running'];
export const TERMINAL_STATUSES: readonly TerminalStatus[] = ['completed', 'failed', 'cancelled'];

/**
 * The status machine of docs/lifecycle.md. `running → queued` is the provider-busy path: the
 * provider answered "full" before accepting the task, so the job goes back to the head
 * of the queue and is retried with backoff.
 */
export const TRANSITIONS: Readonly<Record<JobStatus, readonly JobStatus[]>> = {
  starting: ['queued', 'running', 'failed', 'cancelled'],
  queued: ['running', 'failed', 'cancelled'],
  running: ['queued', 'completed', 'failed', 'cancelled'],
  completed: [],
  failed: [],
  cancelled: [],
};

export function isTerminal(status: JobStatus): status is TerminalStatus {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

export function isActive(status: JobStatus): status is ActiveStatus {
  return !isTerminal(status);
}

export function canTransition(from: JobStatus, to: JobStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Throws `INVALID_TRANSITION` unless `from → to` is an edge of the status machine. */
export function assertTransition(from: JobStatus, to: JobStatus, jobId?: string): void {
  if (!canTransition(from, to)) {
    throw new JobGateError('INVALID_TRANSITION', `a ${from} job cannot become ${to}`, { jobId });
  }
}
