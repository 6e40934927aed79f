import type { TimerHandle } from '../ports/clock.js';
import type { RunnerContext } from './runnerContext.js';

export interface StartLease {
  stop(): void;
}

/**
 * Renews the job's start lease every third of `startLeaseMs` until stopped: the slot stays
 * this process's while its provider call is in flight, and frees itself if the process dies.
 */
export function holdStartLease(ctx: RunnerContext, jobId: string): StartLease {
  const { clock, store } = ctx;
  const ms = ctx.timeouts.startLeaseMs;
  let stopped = false;
  let handle: TimerHandle | undefined;
  const renew = () => {
    handle = undefined;
    if (stopped || ctx.closed) return;
    const now = clock.now();
    store
      .renewLeases([jobId], now + ms, now)
      .catch((e) => ctx.report(e, 'lease', jobId))
      .finally(() => {
        if (!stopped && !ctx.closed) handle = clock.setTimeout(renew, ms / 3);
      });
  };
  handle = clock.setTimeout(renew, ms / 3);
  return {
    stop: () => {
      stopped = true;
      if (handle !== undefined) clock.clearTimeout(handle);
      handle = undefined;
    },
  };
}
