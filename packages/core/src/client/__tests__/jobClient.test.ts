import { invalidInputs } from '@jobgate/example-tools';
import { describe, expect, it } from 'vitest';
import type { JobGateError } from '../../domain/errors.js';
import { input, setup, until } from './clientSetup.js';
import { flush, uuid } from './fakeServer.js';

describe('JobClient.run', () => {
  it('runs the whole flow: active check, submit, live updates over SSE, completed with output', async () => {
    const { server, client, states, status } = setup();
    const done = client.run('veste-ai', input);
    await until(() => status() === 'running', 'running');
    expect(server.requests.map((r) => `${r.method} ${r.path}`).slice(0, 3)).toEqual([
      'GET /jobs/active',
      'POST /jobs',
      `GET /jobs/${uuid(101)}/events`,
    ]);
    expect(server.requests[1]?.body).toEqual({ jobId: uuid(101), tool: 'veste-ai', input });
    await server.progress(uuid(101), 0.4);
    await until(() => client.getSnapshot().progress === 0.4, 'progress');
    await server.clock.advance(1_000);
    const job = await done;
    expect(job.status).toBe('completed');
    const final = client.getSnapshot();
    expect(final).toMatchObject({ status: 'completed', isBusy: false, jobId: uuid(101) });
    expect(final.output).toEqual(job.output);
    expect(Object.isFrozen(final)).toBe(true);
    expect(states.map((s) => s.status)).toEqual([
      'starting',
      'starting',
      'running',
      'running',
      'completed',
    ]);
    expect(client.isWatching).toBe(false);
    expect(server.openStreams).toBe(0);
  });

  it('refuses a second run while busy with CLIENT_BUSY and sends nothing for it', async () => {
    const { server, client, states, status } = setup();
    const first = client.run('veste-ai', input);
    const second = client.run('veste-ai', input);
    await expect(second).rejects.toMatchObject({ code: 'CLIENT_BUSY' });
    expect(states.map((s) => s.status)).toEqual(['starting']);
    await until(() => status() === 'running');
    await expect(client.run('veste-ai', input)).rejects.toMatchObject({ code: 'CLIENT_BUSY' });
    expect(server.count('POST', '/jobs')).toBe(1);
    expect(server.count('GET', '/jobs/active')).toBe(1);
    await server.clock.advance(1_000);
    await first;
  });

  it('a server error fails the run with the typed error, sends the failsafe cancel, and a retry works at once', async () => {
    const { server, client, status } = setup();
    const error = await client
      .run('veste-ai', { ...invalidInputs['veste-ai'] })
      .catch((e: JobGateError) => e);
    expect(error).toMatchObject({ name: 'JobGateError', code: 'VALIDATION', jobId: uuid(101) });
    expect(client.getSnapshot()).toMatchObject({ status: 'failed', isBusy: false });
    expect(client.getSnapshot().error?.code).toBe('VALIDATION');
    await until(() => server.count('POST', `/jobs/${uuid(101)}/cancel`) === 1, 'failsafe cancel');
    // The server already ended the job: nothing is left active for the user.
    expect(await server.runner.active('u1')).toBeNull();
    const retry = client.run('veste-ai', input);
    await until(() => status() === 'running', 'retry running');
    await server.clock.advance(1_000);
    await expect(retry).resolves.toMatchObject({ id: uuid(102), status: 'completed' });
  });

  it('maps a non-JSON gateway page to a typed error and ends clean', async () => {
    const { server, client } = setup();
    server.fault('POST', '/jobs', 'html502');
    const error = await client.run('veste-ai', input).catch((e: JobGateError) => e);
    expect(error).toMatchObject({ code: 'NETWORK_ERROR', jobId: uuid(101) });
    expect((error as JobGateError).message).toContain('502 Bad Gateway');
    expect(client.getSnapshot()).toMatchObject({ status: 'failed', isBusy: false });
  });

  it('shows the queue position live until the job runs and completes', async () => {
    const { server, client, status } = setup({ cap: 1 });
    await server.submitAs('other-1', uuid(1));
    await server.submitAs('other-2', uuid(2));
    const done = client.run('veste-ai', input);
    await until(() => status() === 'queued', 'queued');
    expect(client.getSnapshot()).toMatchObject({ position: 2, needsConfirm: true, isBusy: true });
    await server.clock.advance(1_000); // other-1 ends, other-2 runs
    await until(() => client.getSnapshot().position === 1, 'position 1');
    await server.clock.advance(1_000); // other-2 ends, ours runs
    await until(() => status() === 'running', 'running');
    expect(client.getSnapshot().position).toBeNull();
    await server.clock.advance(1_000);
    await expect(done).resolves.toMatchObject({ status: 'completed', waitedInQueue: true });
  });

  it('a network drop mid-submit ends failed with NETWORK_ERROR, failsafe cancel sent, lock released', async () => {
    const { server, client, status } = setup();
    server.fault('POST', '/jobs', 'network');
    const error = await client.run('veste-ai', input).catch((e: JobGateError) => e);
    expect(error).toMatchObject({ code: 'NETWORK_ERROR', jobId: uuid(101) });
    expect(client.getSnapshot()).toMatchObject({ status: 'failed', isBusy: false });
    await until(() => server.count('POST', `/jobs/${uuid(101)}/cancel`) === 1, 'failsafe');
    const retry = client.run('veste-ai', input);
    await until(() => status() === 'running');
    await server.clock.advance(1_000);
    await expect(retry).resolves.toMatchObject({ status: 'completed' });
  });

  it('a lost answer after the server started the job: failsafe cannot cancel a running job, the next run is blocked by it', async () => {
    const { server, client, status } = setup();
    server.fault('POST', '/jobs', async (request) => {
      await server.handle(request);
      throw new TypeError('connection reset');
    });
    await expect(client.run('veste-ai', input)).rejects.toMatchObject({ code: 'NETWORK_ERROR' });
    await flush();
    expect((await server.runner.get(uuid(101), 'u1')).status).toBe('running');
    await expect(client.run('veste-ai', input)).rejects.toMatchObject({
      code: 'ACTIVE_JOB_EXISTS',
      jobId: uuid(101),
    });
    expect(client.getSnapshot()).toMatchObject({ status: 'blocked', jobId: uuid(101) });
    const followed = client.follow(uuid(101));
    expect(status()).toBe('running');
    await server.clock.advance(1_000);
    await expect(followed).resolves.toMatchObject({ status: 'completed' });
  });

  it('a request that hangs times out (TIMEOUT) instead of spinning forever', async () => {
    const { server, client, clock } = setup();
    server.fault('POST', '/jobs', 'hang');
    const run = client.run('veste-ai', input).catch((e: JobGateError) => e);
    await until(() => server.count('POST', '/jobs') === 1);
    await clock.advance(30_000);
    expect(await run).toMatchObject({ code: 'TIMEOUT' });
    expect(client.getSnapshot()).toMatchObject({ status: 'failed', isBusy: false });
    await until(() => server.count('POST', `/jobs/${uuid(101)}/cancel`) === 1, 'failsafe');
  });
});
