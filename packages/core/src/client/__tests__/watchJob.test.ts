import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Job } from '../../domain/job.js';
import type { JobUpdateSource } from '../jobTransport.js';
import { watchJob } from '../watchJob.js';
import { makeJob } from './clientSetup.js';
import { flush } from './fakeServer.js';

/** A source the test drives by hand. */
function manualSource() {
  const subs: { onJob: (job: Job) => void; onError: (error: unknown) => void; open: boolean }[] =
    [];
  const source: JobUpdateSource = {
    subscribe(_jobId, onJob, onError) {
      const sub = { onJob, onError, open: true };
      subs.push(sub);
      return () => {
        sub.open = false;
      };
    },
  };
  return { source, subs };
}

const noRead = { get: () => Promise.reject(new Error('not read')) };

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('watchJob', () => {
  it('follows the live source, and the poller once the live source fails', () => {
    const live = manualSource();
    const poller = manualSource();
    const seen: string[] = [];
    const fatal: unknown[] = [];
    watchJob(
      { transport: noRead, updates: live.source, poller: poller.source },
      'j1',
      (job) => seen.push(`${job.status}`),
      (error) => fatal.push(error),
    );
    expect(poller.subs).toHaveLength(0);
    live.subs[0]?.onJob(makeJob({ status: 'queued' }));
    live.subs[0]?.onError(new Error('stream down'));
    expect(live.subs[0]?.open).toBe(false);
    expect(poller.subs).toHaveLength(1);
    poller.subs[0]?.onJob(makeJob({ status: 'running' }));
    expect(seen).toEqual(['queued', 'running']);
    expect(fatal).toEqual([]);
    poller.subs[0]?.onError('gone');
    expect(fatal).toEqual(['gone']);
  });

  it('polls alone without a live source; after stop nothing is reported', () => {
    const poller = manualSource();
    const seen: Job[] = [];
    const fatal: unknown[] = [];
    const stop = watchJob(
      { transport: noRead, poller: poller.source },
      'j1',
      (job) => seen.push(job),
      (error) => fatal.push(error),
    );
    stop();
    expect(poller.subs[0]?.open).toBe(false);
    poller.subs[0]?.onJob(makeJob());
    poller.subs[0]?.onError('late');
    expect(seen).toEqual([]);
    expect(fatal).toEqual([]);
  });

  it('reads the job again when the tab is shown, and stops listening when stopped', async () => {
    const doc = Object.assign(new EventTarget(), { visibilityState: 'hidden' });
    vi.stubGlobal('document', doc);
    const get = vi.fn(async () => makeJob({ progress: 0.8 }));
    const seen: Job[] = [];
    const stop = watchJob(
      { transport: { get }, poller: manualSource().source },
      'j1',
      (job) => seen.push(job),
      () => {},
    );
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(get).not.toHaveBeenCalled();
    doc.visibilityState = 'visible';
    doc.dispatchEvent(new Event('visibilitychange'));
    await flush();
    expect(get).toHaveBeenCalledWith('j1', expect.any(AbortSignal));
    expect(seen.map((j) => j.progress)).toEqual([0.8]);
    stop();
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(get).toHaveBeenCalledTimes(1);
  });
});
