import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../testing/fakeClock.js';
import { failsafeCancel } from '../failsafeCancel.js';
import type { JobTransport } from '../jobTransport.js';
import { makeJob } from './clientSetup.js';
import { flush } from './fakeServer.js';

function hangingTransport() {
  const calls: { jobId: string; options: unknown; signal: AbortSignal | undefined }[] = [];
  const transport: Pick<JobTransport, 'cancel'> = {
    cancel: (jobId, options, signal) => {
      calls.push({ jobId, options, signal });
      return new Promise((_, reject) =>
        signal?.addEventListener('abort', () => reject(signal.reason)),
      );
    },
  };
  return { transport, calls };
}

describe('failsafeCancel', () => {
  it('cancels without confirm, and the next run can wait for it until it settles', async () => {
    let answer: () => void = () => {};
    const transport: Pick<JobTransport, 'cancel'> = {
      cancel: () =>
        new Promise((resolve) => {
          answer = () => resolve(makeJob({ status: 'cancelled' }));
        }),
    };
    const clock = new FakeClock();
    const failsafe = failsafeCancel(transport, clock, 10_000);
    expect(failsafe.inFlight()).toBeUndefined();
    failsafe.send('j1');
    const waiting = failsafe.inFlight();
    expect(waiting).toBeInstanceOf(Promise);
    answer();
    await waiting;
    expect(failsafe.inFlight()).toBeUndefined();
    expect(clock.pending).toBe(0);
  });

  it('gives up after the timeout, so a dead network cannot hold the next run', async () => {
    const { transport, calls } = hangingTransport();
    const clock = new FakeClock();
    const failsafe = failsafeCancel(transport, clock, 5_000);
    failsafe.send('j1');
    expect(calls).toEqual([{ jobId: 'j1', options: {}, signal: expect.any(AbortSignal) }]);
    await clock.advance(4_999);
    expect(calls[0]?.signal?.aborted).toBe(false);
    await clock.advance(1);
    expect(calls[0]?.signal?.aborted).toBe(true);
    await flush();
    expect(failsafe.inFlight()).toBeUndefined();
  });

  it('dispose drops the timer and leaves the request to finish', async () => {
    const { transport, calls } = hangingTransport();
    const clock = new FakeClock();
    const failsafe = failsafeCancel(transport, clock, 5_000);
    failsafe.send('j1');
    failsafe.dispose();
    expect(clock.pending).toBe(0);
    expect(calls[0]?.signal?.aborted).toBe(false);
    expect(failsafe.inFlight()).toBeInstanceOf(Promise);
  });
});
