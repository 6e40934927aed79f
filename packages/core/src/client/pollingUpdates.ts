import { toJobGateError } from '../domain/errors.js';
import type { Job } from '../domain/job.js';
import { isTerminal } from '../domain/jobStatus.js';
import { type Clock, systemClock, type TimerHandle } from '../ports/clock.js';
import { backoffDelay, sameView } from './jobHelpers.js';
import type { JobTransport, JobUpdateSource } from './jobTransport.js';

export interface PollingUpdatesOptions {
  transport: Pick<JobTransport, 'get'>;
  /** Time between polls while the server answers. Default 2 s. */
  intervalMs?: number;
  /** Ceiling of the backoff while polls fail (doubling from `intervalMs`). Default 30 s. */
  maxIntervalMs?: number;
  clock?: Clock;
}

/**
 * Updates by polling `GET /jobs/:id`: the first poll at once, then every `intervalMs`;
 * after a failed poll the wait doubles up to `maxIntervalMs` (or the server's
 * `Retry-After`), and returns to `intervalMs` after the next answer. `onJob` is called
 * only when the job changed; polling stops after a terminal job. An error that a retry
 * cannot fix (NOT_FOUND, UNAUTHENTICATED, …) ends the subscription through `onError`.
 */
export function pollingUpdates(options: PollingUpdatesOptions): JobUpdateSource {
  const clock = options.clock ?? systemClock;
  const intervalMs = Math.max(1, options.intervalMs ?? 2_000);
  const maxIntervalMs = Math.max(intervalMs, options.maxIntervalMs ?? 30_000);
  return {
    subscribe(jobId, onJob, onError) {
      let stopped = false;
      let timer: TimerHandle | null = null;
      let controller: AbortController | null = null;
      let failures = 0;
      let last: Job | undefined;
      const schedule = (ms: number) => {
        timer = clock.setTimeout(() => {
          timer = null;
          void poll();
        }, ms);
      };
      const poll = async () => {
        controller = new AbortController();
        let job: Job;
        try {
          job = await options.transport.get(jobId, controller.signal);
        } catch (error) {
          if (stopped) return;
          const err = toJobGateError(error, 'NETWORK_ERROR', jobId);
          if (!err.retryable) {
            stopped = true;
            onError(err);
            return;
          }
          schedule(
            Math.max(backoffDelay(intervalMs, maxIntervalMs, ++failures), err.retryAfterMs ?? 0),
          );
          return;
        }
        if (stopped) return;
        failures = 0;
        if (!last || !sameView(last, job)) {
          last = job;
          onJob(job);
        }
        if (isTerminal(job.status)) stopped = true;
        else if (!stopped) schedule(intervalMs);
      };
      void poll();
      return () => {
        stopped = true;
        if (timer !== null) clock.clearTimeout(timer);
        timer = null;
        controller?.abort();
      };
    },
  };
}
