import type { Job, JobRunner } from '@jobgate/core';
import { TERMINAL_STATUSES } from '@jobgate/core/adapter';

/** `GET /queue`: a pool's counts and its jobs, as an operator or a user sees them. */
export interface QueueView {
  pool: string;
  cap: number;
  /** Running and queued jobs of the whole pool, whoever may see them. */
  running: number;
  queued: number;
  /** `all` for an operator; `own` for a user, who sees only their own jobs. */
  scope: 'all' | 'own';
  /** Running jobs (earliest start first), then the queue in order (positions 1..n). */
  jobs: Job[];
  /** Jobs that ended last, newest first, with their error codes (heals included). */
  recent: Job[];
}

/** Most jobs listed in `jobs` and in `recent`: a panel, not an export. */
export const QUEUE_VIEW_LIMIT = 200;
const RECENT = 20;

/**
 * The queue of `pool`: the whole of it for an operator (`userId` null), else the user's own
 * jobs. Positions are the pool's (a user's job at position 4 shows 4), the counts the pool's.
 */
export async function queueView(
  runner: JobRunner,
  pool: string,
  userId: string | null,
): Promise<QueueView> {
  const [slots, queued, running, ended] = await Promise.all([
    runner.slots(pool),
    // A user's view reads only their own rows (positions are the pool's, computed when read);
    // only an operator's loads the pool's whole queue.
    userId === null
      ? runner.queue(pool)
      : runner
          .list({ userId, status: ['queued'], limit: QUEUE_VIEW_LIMIT })
          .then((jobs) => jobs.sort((a, b) => (a.position ?? 0) - (b.position ?? 0))),
    runner.list({
      status: ['running'],
      ...(userId === null ? {} : { userId }),
    }),
    runner.list({
      status: TERMINAL_STATUSES,
      limit: RECENT * 4,
      ...(userId === null ? {} : { userId }),
    }),
  ]);
  const mine = (job: Job) => job.pool === pool && (userId === null || job.userId === userId);
  const started = (job: Job) => Date.parse(job.startedAt ?? job.createdAt);
  return {
    pool,
    cap: slots.cap,
    running: slots.running,
    queued: slots.queued,
    scope: userId === null ? 'all' : 'own',
    jobs: [
      ...running.filter(mine).sort((a, b) => started(a) - started(b)),
      ...queued.filter(mine),
    ].slice(0, QUEUE_VIEW_LIMIT),
    recent: ended
      .filter(mine)
      .sort((a, b) => Date.parse(b.completedAt ?? '') - Date.parse(a.completedAt ?? ''))
      .slice(0, RECENT),
  };
}
