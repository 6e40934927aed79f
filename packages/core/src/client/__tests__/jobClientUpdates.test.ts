import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JobGateError } from '../../domain/errors.js';
import { input, setup, until } from './clientSetup.js';
import { flush, uuid } from './fakeServer.js';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('JobClient updates', () => {
  it('falls back to polling with backoff when the event stream fails', async () => {
    const { server, client, clock, status } = setup();
    server.fault('GET', /\/events$/, 'network', false);
    const done = client.run('veste-ai', input);
    await until(() => status() === 'running');
    // SSE: 3 attempts (0, +500, +1000 ms) then onError → polling starts at once.
    await clock.advance(500);
    await clock.advance(1_000);
    await until(() => server.count('GET', `/jobs/${uuid(101)}`) === 1, 'first poll');
    expect(server.count('GET', /\/events$/)).toBe(3);
    server.fault('GET', `/jobs/${uuid(101)}`, 'network', false);
    await clock.advance(1_000); // fails → next in 1 s
    await until(() => server.count('GET', `/jobs/${uuid(101)}`) === 2);
    await clock.advance(1_000); // fails → next in 2 s
    await until(() => server.count('GET', `/jobs/${uuid(101)}`) === 3);
    await clock.advance(1_999);
    expect(server.count('GET', `/jobs/${uuid(101)}`)).toBe(3);
    server.clearFaults();
    await server.clock.advance(1_000); // the job completes on the server
    await clock.advance(1);
    await expect(done).resolves.toMatchObject({ status: 'completed' });
    expect(clock.pending).toBe(0);
  });

  it('reconnects a dropped event stream and catches up from its first event', async () => {
    const { server, client, clock, status } = setup();
    const done = client.run('veste-ai', input);
    await until(() => status() === 'running' && server.openStreams === 1);
    server.dropStreams();
    await server.progress(uuid(101), 0.7); // missed while disconnected
    await flush();
    await clock.advance(500);
    await until(() => client.getSnapshot().progress === 0.7, 'caught up');
    await server.clock.advance(1_000);
    await expect(done).resolves.toMatchObject({ status: 'completed' });
  });

  it('refreshes when the tab becomes visible again', async () => {
    const doc = Object.assign(new EventTarget(), { visibilityState: 'hidden' });
    vi.stubGlobal('document', doc);
    const { server, client, status } = setup({ sse: false });
    const add = vi.spyOn(doc, 'addEventListener');
    const remove = vi.spyOn(doc, 'removeEventListener');
    void client.run('veste-ai', input).catch(() => {});
    await until(() => status() === 'running');
    const before = server.count('GET', `/jobs/${uuid(101)}`);
    doc.visibilityState = 'visible';
    doc.dispatchEvent(new Event('visibilitychange'));
    await until(() => server.count('GET', `/jobs/${uuid(101)}`) === before + 1, 'refresh');
    expect(add).toHaveBeenCalledWith('visibilitychange', expect.any(Function));
    client.dispose();
    expect(remove).toHaveBeenCalledWith('visibilitychange', add.mock.calls[0]?.[1]);
  });

  it('dispose stops every subscription and timer', async () => {
    const { server, client, clock, status } = setup();
    const run = client.run('veste-ai', input).catch((e: JobGateError) => e);
    await until(() => status() === 'running' && server.openStreams === 1);
    client.dispose();
    await flush();
    expect(await run).toMatchObject({ code: 'CANCELLED_BY_USER' });
    expect(client.getSnapshot().status).toBe('idle');
    expect(client.isWatching).toBe(false);
    expect(server.openStreams).toBe(0);
    expect(clock.pending).toBe(0);
    // A job already running on the server is left to run (not cancelled by unmounting).
    expect((await server.runner.get(uuid(101), 'u1')).status).toBe('running');
  });
});
