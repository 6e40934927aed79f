import type { Job } from '../domain/job.js';
import { noop } from './jobHelpers.js';
import type { JobTransport, JobUpdateSource } from './jobTransport.js';

export interface WatchSources {
  /** For the re-read when the tab is shown again. */
  transport: Pick<JobTransport, 'get'>;
  /** The live source (SSE, Realtime), if any. */
  updates?: JobUpdateSource | undefined;
  /** The fallback, and the only source without `updates`. */
  poller: JobUpdateSource;
}

/**
 * Follows `jobId` until stopped: the live source, falling back to the poller when it
 * fails (the sources reconnect and back off themselves), and a re-read when the tab
 * becomes visible again, since a hidden tab's timers and streams may have been throttled.
 * `onFatal` reports that even polling gave up. Returns the stop function; after it, no
 * callback runs.
 */
export function watchJob(
  sources: WatchSources,
  jobId: string,
  onJob: (job: Job) => void,
  onFatal: (error: unknown) => void,
): () => void {
  let stopped = false;
  let unsubscribe: () => void = noop;
  const refresh = new AbortController();
  const job = (next: Job) => {
    if (!stopped) onJob(next);
  };
  const poll = () => {
    unsubscribe = sources.poller.subscribe(jobId, job, (error) => {
      if (!stopped) onFatal(error);
    });
  };
  if (sources.updates) {
    unsubscribe = sources.updates.subscribe(jobId, job, () => {
      if (stopped) return;
      unsubscribe();
      poll();
    });
  } else {
    poll();
  }
  const doc = typeof document === 'undefined' ? undefined : document;
  const onVisible = () => {
    if (stopped || doc?.visibilityState !== 'visible') return;
    sources.transport.get(jobId, refresh.signal).then(job, noop);
  };
  doc?.addEventListener('visibilitychange', onVisible);
  return () => {
    if (stopped) return;
    stopped = true;
    unsubscribe();
    refresh.abort();
    doc?.removeEventListener('visibilitychange', onVisible);
  };
}
