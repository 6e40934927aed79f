import type { Job } from './job.js';
import { isRealQueued } from './needsConfirm.js';

/**
 * How long a job may stay in an active state before heal ends it. A live process moves a
 * job on well within each window, so a job past one was left behind (a crash, a lost
 * answer, an old app's row) and only holds a slot and its user's turn.
 */
export interface HealWindows {
  /** `starting` older than this (from created_at) → cancelled STALE_START. */
  staleStartMs: number;
  /** `running` with no task id older than this (from started_at) → failed START_LOST. */
  lostStartMs: number;
  /** `queued` longer than this (from queued_at) → failed TIMEOUT; null = no limit. */
  maxQueueMs: number | null;
  /**
   * Start lease: `running` with no task id whose lease ran out → failed START_LOST. The lease
   * is the later of the last `renewLeases` of the store and `started_at + leaseMs`.
   * Omitted or null: only `lostStartMs` applies. A running job with no task id and no
   * `started_at` (an old app's shape) is ended in any case.
   */
  leaseMs?: number | null;
}

/** The end heal gives a job. */
export interface HealVerdict {
  status: 'failed' | 'cancelled';
  errorCode: 'STALE_START' | 'TIMEOUT' | 'START_LOST';
  /** `CODE: why`, the job's errorMessage. */
  errorMessage: string;
}

/**
 * The heal rule, for every store (the SQL heal functions mirror it): the end `job` gets at
 * `now`, or null to leave it. `job` is as a store shows it, its position computed, so a
 * `queued` job without a place is the phantom shape; `renewedUntil` is the start lease its
 * store last renewed (ms since the epoch), if any.
 */
export function healVerdict(
  job: Job,
  windows: HealWindows,
  now: number,
  renewedUntil?: number,
): HealVerdict | null {
  const age = now - Date.parse(job.createdAt);
  switch (job.status) {
    case 'starting':
      return age > windows.staleStartMs
        ? verdict(
            'cancelled',
            'STALE_START',
            `the job was still starting ${Math.round(age / 1000)} s after it was created`,
          )
        : null;
    case 'queued':
      // A phantom waits for nothing, so it gets a start's window, never the queue's.
      if (!isRealQueued(job)) {
        return age > windows.staleStartMs
          ? verdict(
              'cancelled',
              'STALE_START',
              'the job was marked queued but never entered the queue',
            )
          : null;
      }
      return windows.maxQueueMs !== null &&
        job.queuedAt !== null &&
        now - Date.parse(job.queuedAt) > windows.maxQueueMs
        ? verdict(
            'failed',
            'TIMEOUT',
            `the job waited in the queue longer than ${windows.maxQueueMs} ms`,
          )
        : null;
    case 'running': {
      if (job.taskId !== null) return null;
      const why = lostStart(job, windows, now, renewedUntil ?? 0);
      return why === null ? null : verdict('failed', 'START_LOST', why);
    }
    default:
      return null;
  }
}

/** Why a running job with no task id counts as a lost start at `now`, or null. */
function lostStart(
  job: Job,
  windows: HealWindows,
  now: number,
  renewedUntil: number,
): string | null {
  if (job.startedAt === null)
    return 'the job was marked running but was never started at the provider';
  const started = Date.parse(job.startedAt);
  if (now - started > windows.lostStartMs)
    return `the provider never confirmed the start within ${windows.lostStartMs} ms`;
  if (windows.leaseMs === undefined || windows.leaseMs === null) return null;
  return Math.max(renewedUntil, started + windows.leaseMs) < now
    ? 'the process starting the job stopped (its start lease ran out)'
    : null;
}

function verdict(
  status: HealVerdict['status'],
  errorCode: HealVerdict['errorCode'],
  why: string,
): HealVerdict {
  return { status, errorCode, errorMessage: `${errorCode}: ${why}` };
}
