import type { Clock } from '../ports/clock.js';
import { noop } from './jobHelpers.js';
import type { JobTransport } from './jobTransport.js';

export interface FailsafeCancel {
  /**
   * Asks the server to cancel `jobId` without confirm: after an error the client cannot
   * know whether its submit got through, and the job id it chose names the job either
   * way. The server cancels only what is not really waiting or running. Fire and forget.
   */
  send(jobId: string): void;
  /** The last cancel while in flight: the next run waits for it, so its active-job check sees the outcome. */
  inFlight(): Promise<void> | undefined;
  /** Drops the timeout timer of a cancel in flight (the request itself is left to finish). */
  dispose(): void;
}

/** Step 6 of the flow, each cancel bounded by `timeoutMs` so a dead network cannot hold the next run. */
export function failsafeCancel(
  transport: Pick<JobTransport, 'cancel'>,
  clock: Clock,
  timeoutMs: number,
): FailsafeCancel {
  let last: Promise<void> | undefined;
  let stopTimer = noop;
  return {
    send(jobId) {
      const controller = new AbortController();
      const timer = clock.setTimeout(() => controller.abort(), timeoutMs);
      const clear = () => clock.clearTimeout(timer);
      const promise = transport
        .cancel(jobId, {}, controller.signal)
        .then(noop, noop)
        .finally(() => {
          clear();
          if (last === promise) last = undefined;
        });
      last = promise;
      stopTimer = clear;
    },
    inFlight: () => last,
    dispose: () => stopTimer(),
  };
}
