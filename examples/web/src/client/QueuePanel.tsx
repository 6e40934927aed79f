import type { Job } from '@jobgate/core/client';
import { useQueue, useSlots } from '@jobgate/react';

/** Codes a heal ends a job with: the panel marks them. */
const HEAL_CODES = new Set(['STALE_START', 'START_LOST', 'TIMEOUT']);

const seconds = (from: string | null, now: number) =>
  from ? `${Math.max(0, Math.round((now - Date.parse(from)) / 1000))} s` : '';

/**
 * The operator's view of the pool, on `useSlots()` and `useQueue()` under a provider with
 * operator credentials: slots x/cap, running jobs with their elapsed time, the queue with
 * positions, and the jobs that ended last with their error codes (heals marked).
 */
export function QueuePanel() {
  const slots = useSlots({ intervalMs: 1_000 });
  const queue = useQueue({ intervalMs: 1_000 });
  const now = Date.now();
  const jobs = queue.data?.jobs ?? [];
  const row = (job: Job) => (
    <tr key={job.id} data-testid="queue-row" data-status={job.status} data-user={job.userId}>
      <td>{job.status === 'queued' ? `#${job.position}` : '▶'}</td>
      <td>{job.tool}</td>
      <td>{job.userId}</td>
      <td>{job.status}</td>
      <td>
        {job.status === 'running'
          ? seconds(job.startedAt, now)
          : `waiting ${seconds(job.queuedAt, now)}`}
      </td>
    </tr>
  );
  return (
    <section className="panel" data-testid="queue-panel">
      <h3>
        Slots{' '}
        <span data-testid="slots">
          {slots.data ? `${slots.data.running}/${slots.data.cap}` : '…'}
        </span>{' '}
        · queued <span data-testid="queued">{slots.data?.queued ?? '…'}</span>
      </h3>
      {queue.error ? <p className="error">{queue.error.message}</p> : null}
      <table>
        <thead>
          <tr>
            <th>pos</th>
            <th>tool</th>
            <th>user</th>
            <th>status</th>
            <th>time</th>
          </tr>
        </thead>
        <tbody>
          {jobs.length === 0 ? (
            <tr>
              <td colSpan={5}>nothing running</td>
            </tr>
          ) : (
            jobs.map(row)
          )}
        </tbody>
      </table>
      <h4>Ended last</h4>
      <ul className="recent">
        {(queue.data?.recent ?? []).slice(0, 8).map((job) => (
          <li key={job.id} className={HEAL_CODES.has(job.errorCode ?? '') ? 'heal' : ''}>
            {job.tool} · {job.userId} · {job.status}
            {job.errorCode ? (
              <>
                {' '}
                <code>{job.errorCode}</code>
                {HEAL_CODES.has(job.errorCode) ? ' (healed)' : ''}
              </>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
