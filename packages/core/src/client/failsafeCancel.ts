import type { Clock, TimerHandle } from '../ports/clock.js';
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
  let last: { promise: Promise<void>; timer: TimerHandle | null } | null = null;
  const clear = (entry: typeof last) => {
    if (entry?.timer != null) clock.clearTimeout(entry.timer);
    if (entry) entry.timer = null;
  };
  return {
    send(jobId) {
      const controller = new AbortController();
      const entry: NonNullable<typeof last> = { promise: Promise.resolve(), timer: null };
      entry.timer = clock.setTimeout(() => {
        entry.timer = null;
        controller.abort();
      }, timeoutMs);
      entry.promise = transport
        .cancel(jobId, {}, controller.signal)
        .then(noop, noop)
        .finally(() => {
          clear(entry);
          if (last === entry) last = null;
        });
      last = entry;
    },
    inFlight: () => last?.promise,
    dispose: () => clear(last),
  };
}
