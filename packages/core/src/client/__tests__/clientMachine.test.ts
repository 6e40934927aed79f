import { describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../testing/fakeClock.js';
import { clientMachine } from '../clientMachine.js';
import { IDLE_STATE } from '../jobClientState.js';
import type { JobTransport } from '../jobTransport.js';
import { makeJob } from './clientSetup.js';
import { flush } from './fakeServer.js';

function machine() {
  const transport: JobTransport = {
    active: vi.fn(async () => null),
    submit: vi.fn(async () => makeJob()),
    get: vi.fn(() => new Promise<never>(() => {})),
    cancel: vi.fn(async (jobId: string) => makeJob({ id: jobId, status: 'cancelled' })),
    files: vi.fn(async () => []),
    quote: vi.fn(async (tool: string) => ({ tool, credits: 0 })),
  };
  const clock = new FakeClock();
  return { m: clientMachine({ transport, clock }), transport, clock };
}

const starting = { ...IDLE_STATE, status: 'starting' as const, isBusy: true };

describe('clientMachine', () => {
  it('the lock refuses a second session with CLIENT_BUSY, leaving the state as it is', async () => {
    const { m } = machine();
    const [session] = m.lock(starting);
    expect(session?.current()).toBe(true);
    expect(m.locked()).toBe(true);
    const shown = m.store.getSnapshot();
    const [none, refused] = m.lock({ ...starting, tool: 'other' });
    expect(none).toBeNull();
    await expect(refused).rejects.toMatchObject({ code: 'CLIENT_BUSY' });
    expect(m.store.getSnapshot()).toBe(shown);
  });

  it('follows an answer to its end and releases the lock; an older session is not heard', async () => {
    const { m } = machine();
    const [first] = m.lock(starting);
    if (!first) throw new Error('no session');
    m.reset();
    const [second, promise] = m.lock(starting);
    if (!second) throw new Error('no session');
    m.answer(first, makeJob({ status: 'completed' }), 'j1', true);
    expect(m.store.getSnapshot().status).toBe('starting');
    m.answer(second, makeJob(), 'j1', true);
    expect(m.store.getSnapshot().status).toBe('running');
    expect(m.watching()).toBe(true);
    m.onJob(second, makeJob({ status: 'completed', updatedAt: '2026-01-01T00:00:02.000Z' }));
    await expect(promise).resolves.toMatchObject({ status: 'completed' });
    expect(m.locked()).toBe(false);
    expect(m.watching()).toBe(false);
  });

  it('a reset in the request phase rejects the run and cancels its job id (failsafe)', async () => {
    const { m, transport } = machine();
    const [, promise] = m.lock(starting);
    m.store.set({ ...starting, jobId: 'j7' });
    m.reset();
    await expect(promise).rejects.toMatchObject({ code: 'CANCELLED_BY_USER', jobId: 'j7' });
    expect(transport.cancel).toHaveBeenCalledWith('j7', {}, expect.any(AbortSignal));
    expect(m.store.getSnapshot()).toBe(IDLE_STATE);
    await flush();
    expect(m.failsafe.inFlight()).toBeUndefined();
  });

  it('a failure after the user cancelled is no failure: back to idle', async () => {
    const { m, transport } = machine();
    const [session, promise] = m.lock(starting);
    if (!session) throw new Error('no session');
    m.cancelling(true);
    expect(session.signal.aborted).toBe(true);
    m.fail(session, new Error('aborted'), 'j1', true);
    await expect(promise).rejects.toMatchObject({ code: 'CANCELLED_BY_USER' });
    expect(m.store.getSnapshot()).toBe(IDLE_STATE);
    expect(transport.cancel).toHaveBeenCalledWith('j1', {}, expect.any(AbortSignal));
  });
});
