import { describe, expect, it } from 'vitest';
import { type HealWindows, healVerdict } from '../domain/healVerdict.js';
import { isoAt, type Job, jobRecord } from '../domain/job.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const windows: HealWindows = { staleStartMs: 15_000, lostStartMs: 60_000, maxQueueMs: 600_000 };

function job(fields: Partial<Job>): Job {
  const base = jobRecord(
    { id: 'j1', tool: 't', userId: 'u', pool: 'default', input: {}, userCreditCost: 1 },
    T0,
  );
  return { ...base, ...fields };
}

const realQueued = (queuedAt = T0) =>
  job({ status: 'queued', waitedInQueue: true, position: 2, queuedAt: isoAt(queuedAt) });
const startedAt = (ms: number) => job({ status: 'running', startedAt: isoAt(ms) });

describe('healVerdict: the heal rule every store applies', () => {
  it('cancels a start older than staleStartMs, and leaves a younger one', () => {
    expect(healVerdict(job({}), windows, T0 + 15_000)).toBeNull();
    expect(healVerdict(job({}), windows, T0 + 15_001)).toEqual({
      status: 'cancelled',
      errorCode: 'STALE_START',
      errorMessage: 'STALE_START: the job was still starting 15 s after it was created',
    });
  });

  it('cancels a phantom queued row (no place, or never waited) once it is as old as a stale start', () => {
    for (const phantom of [
      job({ status: 'queued', waitedInQueue: false, position: null }),
      job({ status: 'queued', waitedInQueue: true, position: null }),
      job({ status: 'queued', waitedInQueue: false, position: 3 }),
    ]) {
      expect(healVerdict(phantom, windows, T0 + 15_000)).toBeNull();
      expect(healVerdict(phantom, windows, T0 + 15_001)).toMatchObject({
        status: 'cancelled',
        errorCode: 'STALE_START',
      });
    }
  });

  it('never takes a young phantom for an overdue queued job', () => {
    const phantom = job({ status: 'queued', position: null, queuedAt: isoAt(T0 - 3_600_000) });
    expect(healVerdict(phantom, windows, T0 + 1_000)).toBeNull();
  });

  it('fails a job that really waited longer than maxQueueMs, and none without a limit', () => {
    expect(healVerdict(realQueued(), windows, T0 + 600_000)).toBeNull();
    expect(healVerdict(realQueued(), windows, T0 + 600_001)).toEqual({
      status: 'failed',
      errorCode: 'TIMEOUT',
      errorMessage: 'TIMEOUT: the job waited in the queue longer than 600000 ms',
    });
    expect(healVerdict(realQueued(), { ...windows, maxQueueMs: null }, T0 + 1e9)).toBeNull();
  });

  it('fails a running job with no task as START_LOST: never started, or past lostStartMs', () => {
    expect(healVerdict(job({ status: 'running' }), windows, T0)).toMatchObject({
      errorCode: 'START_LOST',
      errorMessage: 'START_LOST: the job was marked running but was never started at the provider',
    });
    expect(healVerdict(startedAt(T0), windows, T0 + 60_000)).toBeNull();
    expect(healVerdict(startedAt(T0), windows, T0 + 60_001)).toMatchObject({
      status: 'failed',
      errorMessage: 'START_LOST: the provider never confirmed the start within 60000 ms',
    });
  });

  it('ends a start whose lease (the later of the renewal and started + leaseMs) ran out', () => {
    const leased = { ...windows, leaseMs: 10_000 };
    expect(healVerdict(startedAt(T0), leased, T0 + 10_000)).toBeNull();
    expect(healVerdict(startedAt(T0), leased, T0 + 10_001)).toMatchObject({
      errorMessage: 'START_LOST: the process starting the job stopped (its start lease ran out)',
    });
    expect(healVerdict(startedAt(T0), leased, T0 + 20_000, T0 + 20_000)).toBeNull();
    expect(healVerdict(startedAt(T0), leased, T0 + 20_001, T0 + 20_000)).toMatchObject({
      errorCode: 'START_LOST',
    });
    // Without a lease window only lostStartMs applies, whatever was renewed.
    expect(healVerdict(startedAt(T0), windows, T0 + 30_000, T0)).toBeNull();
  });

  it('leaves a running job with a task, and every ended job, to the watchdog', () => {
    const late = T0 + 1e9;
    expect(
      healVerdict(job({ status: 'running', taskId: 'task', startedAt: isoAt(T0) }), windows, late),
    ).toBeNull();
    for (const status of ['completed', 'failed', 'cancelled'] as const) {
      expect(healVerdict(job({ status }), windows, late)).toBeNull();
    }
  });
});
