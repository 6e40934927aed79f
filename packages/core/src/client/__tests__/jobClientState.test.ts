import { describe, expect, it } from 'vitest';
import { blockedState, IDLE_STATE, stateAfterJob, stateFromJob } from '../jobClientState.js';
import { makeJob } from './clientSetup.js';

describe('jobClientState', () => {
  it('shows a job by its status: queue place, progress, output, and a cancelled job as failed', () => {
    const queued = makeJob({ status: 'queued', position: 2, waitedInQueue: true, progress: 0.3 });
    expect(stateFromJob(queued, 'my-tool')).toMatchObject({
      status: 'queued',
      tool: 'my-tool',
      position: 2,
      progress: null,
      isBusy: true,
      needsConfirm: true,
    });
    expect(stateFromJob(makeJob({ progress: 0.5 }), null)).toMatchObject({
      tool: 'veste-ai',
      progress: 0.5,
    });
    const completed = stateFromJob(makeJob({ status: 'completed', output: { url: 'x' } }), null);
    expect(completed).toMatchObject({ output: { url: 'x' }, isBusy: false, error: null });
    const cancelled = stateFromJob(makeJob({ status: 'cancelled', errorCode: 'TIMEOUT' }), null);
    expect(cancelled.status).toBe('failed');
    expect(cancelled.error?.code).toBe('TIMEOUT');
  });

  it('a blocking job is shown without holding the lock', () => {
    expect(blockedState(makeJob())).toMatchObject({
      status: 'blocked',
      isBusy: false,
      jobId: 'j1',
    });
  });

  it('ignores another job, an older answer, a repeat, and anything after the end', () => {
    const shown = stateFromJob(makeJob({ updatedAt: '2026-01-01T00:00:05.000Z' }), null);
    expect(stateAfterJob(shown, makeJob({ id: 'other' }), false)).toBeNull();
    expect(
      stateAfterJob(shown, makeJob({ updatedAt: '2026-01-01T00:00:04.000Z' }), false),
    ).toBeNull();
    expect(
      stateAfterJob(shown, makeJob({ updatedAt: '2026-01-01T00:00:05.000Z' }), false),
    ).toBeNull();
    const newer = makeJob({ updatedAt: '2026-01-01T00:00:06.000Z', progress: 0.9 });
    expect(stateAfterJob(shown, newer, false)).toMatchObject({ status: 'running', progress: 0.9 });
    const ended = stateFromJob(makeJob({ status: 'failed' }), null);
    expect(
      stateAfterJob(ended, makeJob({ updatedAt: '2026-01-02T00:00:00.000Z' }), false),
    ).toBeNull();
  });

  it('the end of a blocking job, or of a run the user cancelled, is idle; any other end is shown', () => {
    const later = '2026-01-01T00:00:09.000Z';
    const cancelled = makeJob({ status: 'cancelled', updatedAt: later });
    expect(stateAfterJob(blockedState(makeJob()), cancelled, false)).toBe(IDLE_STATE);
    expect(
      stateAfterJob(blockedState(makeJob()), makeJob({ updatedAt: later }), false),
    ).toMatchObject({
      status: 'blocked',
    });
    const own = stateFromJob(makeJob(), null);
    expect(stateAfterJob(own, cancelled, true)).toBe(IDLE_STATE);
    expect(stateAfterJob(own, cancelled, false)?.status).toBe('failed');
    expect(stateAfterJob({ ...IDLE_STATE, status: 'starting' }, makeJob(), false)?.status).toBe(
      'running',
    );
  });
});
