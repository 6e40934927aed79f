import { describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../testing/fakeClock.js';
import { clientMachine } from '../clientMachine.js';
import { IDLE_STATE } from '../jobClientState.js';
import type { JobTransport } from '../jobTransport.js';
import { submitJob } from '../submitJob.js';
import { makeJob } from './clientSetup.js';

/** A read that never answers: these tests end before any polling matters. */
const pending = () => new Promise<never>(() => {});

function setup(transport: JobTransport) {
  const m = clientMachine({ transport, clock: new FakeClock() });
  const [session, promise] = m.lock({ ...IDLE_STATE, status: 'starting', isBusy: true });
  if (!session) throw new Error('no session');
  const run = (input = {}) =>
    submitJob({
      transport,
      tool: 'veste-ai',
      input,
      files: undefined,
      machine: m,
      session,
      generateId: () => 'chosen-id',
    });
  return { m, session, promise, run };
}

describe('submitJob', () => {
  it('submits under the id it chose and hands the answer to the machine', async () => {
    const submit = vi.fn(async (request: { jobId: string }) => makeJob({ id: request.jobId }));
    const transport = { active: async () => null, submit, get: pending, cancel: vi.fn() };
    const { m, run } = setup(transport as unknown as JobTransport);
    await run({ prompt: 'hi' });
    expect(submit).toHaveBeenCalledWith(
      { jobId: 'chosen-id', tool: 'veste-ai', input: { prompt: 'hi' } },
      expect.any(AbortSignal),
    );
    expect(m.store.getSnapshot()).toMatchObject({ status: 'running', jobId: 'chosen-id' });
  });

  it('another active job blocks the run before an id is chosen or anything submitted', async () => {
    const submit = vi.fn();
    const cancel = vi.fn();
    const other = makeJob({ id: 'other', status: 'queued', position: 1, waitedInQueue: true });
    const transport = { active: async () => other, submit, get: pending, cancel };
    const { m, run, promise } = setup(transport as unknown as JobTransport);
    await run();
    await expect(promise).rejects.toMatchObject({ code: 'ACTIVE_JOB_EXISTS', jobId: 'other' });
    expect(m.store.getSnapshot()).toMatchObject({ status: 'blocked', jobId: 'other' });
    expect(submit).not.toHaveBeenCalled();
    expect(cancel).not.toHaveBeenCalled();
  });

  it('a session that ended during the active-job check sends nothing more', async () => {
    const submit = vi.fn();
    let answer: (job: null) => void = () => {};
    const active = () =>
      new Promise<null>((resolve) => {
        answer = resolve;
      });
    const transport = { active, submit, get: pending, cancel: vi.fn() };
    const { m, run, promise } = setup(transport as unknown as JobTransport);
    const done = run();
    m.reset();
    answer(null);
    await done;
    await expect(promise).rejects.toMatchObject({ code: 'CANCELLED_BY_USER' });
    expect(submit).not.toHaveBeenCalled();
    expect(m.store.getSnapshot()).toBe(IDLE_STATE);
  });

  it('a failed submit fails the run and cancels the chosen id (failsafe)', async () => {
    const submit = vi.fn(async () => {
      throw new TypeError('connection reset');
    });
    const cancel = vi.fn(async () => makeJob({ id: 'chosen-id', status: 'cancelled' }));
    const transport = { active: async () => null, submit, get: pending, cancel };
    const { m, run, promise } = setup(transport as unknown as JobTransport);
    await run();
    await expect(promise).rejects.toMatchObject({ jobId: 'chosen-id' });
    expect(m.store.getSnapshot()).toMatchObject({ status: 'failed', jobId: 'chosen-id' });
    expect(cancel).toHaveBeenCalledWith('chosen-id', {}, expect.any(AbortSignal));
  });
});
