import { isErrorCode, JobGateError } from '../domain/errors.js';
import type { Job } from '../domain/job.js';
import { JOB_STATUSES } from '../domain/jobStatus.js';

export { isRealQueued, needsConfirm } from '../domain/needsConfirm.js';

/** The typed error of a failed or cancelled job, from its `errorCode` and `"CODE: text"` message. */
export function jobError(job: Job): JobGateError {
  const code = isErrorCode(job.errorCode)
    ? job.errorCode
    : job.status === 'cancelled'
      ? 'CANCELLED_BY_USER'
      : 'INTERNAL';
  const raw =
    job.errorMessage ?? `the job ${job.status === 'cancelled' ? 'was cancelled' : 'failed'}`;
  const prefix = `${job.errorCode ?? ''}: `;
  const message = job.errorCode && raw.startsWith(prefix) ? raw.slice(prefix.length) : raw;
  return new JobGateError(code, message, { jobId: job.id });
}

/** A cheap structural check of a job that came over the wire (the browser entry carries no zod). */
export function isJob(value: unknown): value is Job {
  if (typeof value !== 'object' || value === null) return false;
  const job = value as Partial<Record<keyof Job, unknown>>;
  return (
    typeof job.id === 'string' &&
    typeof job.tool === 'string' &&
    typeof job.updatedAt === 'string' &&
    (JOB_STATUSES as readonly unknown[]).includes(job.status)
  );
}

/** True when `next` is not older than `current` (by `updatedAt`). */
export function isNotOlder(next: Job, current: Job | null): boolean {
  if (!current || current.id !== next.id) return true;
  const a = Date.parse(next.updatedAt);
  const b = Date.parse(current.updatedAt);
  return Number.isNaN(a) || Number.isNaN(b) || a >= b;
}

/** Nothing the UI shows changed (an update source repeating what the submit answered). */
export function sameView(a: Job, b: Job): boolean {
  return (
    a.id === b.id &&
    a.status === b.status &&
    a.updatedAt === b.updatedAt &&
    a.position === b.position &&
    a.progress === b.progress
  );
}

/**
 * The wait before retry number `attempt` (1 = the first) of an update source: doubling
 * from `base` up to `max`, so a server that is down is not hammered and one that is back
 * is found soon.
 */
export function backoffDelay(base: number, max: number, attempt: number): number {
  return Math.min(max, base * 2 ** (attempt - 1));
}

/** For promises whose outcome is carried elsewhere (the state, a later request). */
export const noop = (): void => {};

/** A v4 UUID: `crypto.randomUUID()`, or built from `getRandomValues` outside secure contexts. */
export function randomJobId(): string {
  const c = globalThis.crypto;
  if (typeof c?.randomUUID === 'function') return c.randomUUID();
  if (typeof c?.getRandomValues !== 'function') {
    throw new JobGateError('INTERNAL', 'no Web Crypto to choose a job id');
  }
  // The well-known compact v4 builder: each 0/1/8 of the template becomes a random hex digit
  // (8 keeps the variant bits 10xx).
  return '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (d) =>
    (
      Number(d) ^
      ((c.getRandomValues(new Uint8Array(1))[0] ?? 0) & (15 >> (Number(d) / 4)))
    ).toString(16),
  );
}
