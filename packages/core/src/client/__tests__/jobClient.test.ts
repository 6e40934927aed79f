import { invalidInputs, sampleInputs } from '@jobgate/example-tools';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JobGateError } from '../../domain/errors.js';
import type { Uploader, UploadRequest } from '../../ports/uploader.js';
import { FakeClock } from '../../testing/fakeClock.js';
import { fetchTransport } from '../fetchTransport.js';
import { createJobClient } from '../jobClient.js';
import type { JobClientState } from '../jobClientState.js';
import { sseUpdates } from '../sseUpdates.js';
import { createFakeServer, flush, uuid } from './fakeServer.js';

const baseUrl = 'http://jobgate.test/api';
const input = { ...sampleInputs['veste-ai'] };

async function until(check: () => boolean, what = 'condition'): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await flush(1);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function setup(options: { cap?: number; sse?: boolean; user?: string; uploader?: Uploader } = {}) {
  const server = createFakeServer({ cap: options.cap ?? 3 });
  const clock = new FakeClock();
  const user = options.user ?? 'u1';
  const getToken = () => user;
  const transport = fetchTransport({ baseUrl, getToken, fetch: server.fetch, clock });
  const updates =
    options.sse === false
      ? undefined
      : sseUpdates({ baseUrl, getToken, fetch: server.fetch, clock, retryMs: 500, maxAttempts: 3 });
  const client = createJobClient({
    transport,
    ...(updates ? { updates } : {}),
    clock,
    poll: { intervalMs: 1_000, maxIntervalMs: 8_000 },
    ...(options.uploader ? { uploader: options.uploader, userId: user } : {}),
    generateId: (() => {
      let n = 100;
      return () => uuid(++n);
    })(),
  });
  const states: JobClientState[] = [];
  client.subscribe(() => states.push(client.getSnapshot()));
  const status = () => client.getSnapshot().status;
  return { server, clock, client, states, status, transport };
}

afterEach(() => {
  vi.unstubAllGlobals();
});

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

describe('JobClient blocked by an active job', () => {
  it('surfaces the active job; a real queued job is cancelled only with confirm', async () => {
    const { server, client, status } = setup({ cap: 1 });
    await server.submitAs('other', uuid(1));
    await server.submitAs('u1', uuid(2)); // really queued, position 1
    await expect(client.run('veste-ai', input)).rejects.toMatchObject({
      code: 'ACTIVE_JOB_EXISTS',
    });
    expect(client.getSnapshot()).toMatchObject({
      status: 'blocked',
      jobId: uuid(2),
      position: 1,
      needsConfirm: true,
      isBusy: false,
    });
    expect(server.count('POST', '/jobs')).toBe(0);
    await expect(client.cancel()).rejects.toMatchObject({ code: 'CONFIRM_REQUIRED' });
    expect(server.count('POST', `/jobs/${uuid(2)}/cancel`)).toBe(0);
    expect(client.getSnapshot()).toMatchObject({ status: 'blocked' });
    expect(client.getSnapshot().error?.code).toBe('CONFIRM_REQUIRED');
    await expect(client.cancel(true)).resolves.toMatchObject({ status: 'cancelled' });
    expect(status()).toBe('idle');
    expect(client.isWatching).toBe(false);
    const retry = client.run('veste-ai', input);
    await until(() => status() === 'queued');
    expect(client.getSnapshot().position).toBe(1);
    client.reset();
    await expect(retry).rejects.toMatchObject({ code: 'CANCELLED_BY_USER' });
  });

  it('another tab starts a job between the check and the submit: blocked by it, only our id is cancelled', async () => {
    const { server, client } = setup();
    server.fault('GET', '/jobs/active', async (request) => {
      const answer = await server.handle(request);
      await server.submitAs('u1', uuid(7)); // the other tab
      return answer;
    });
    const error = await client.run('veste-ai', input).catch((e: JobGateError) => e);
    expect(error).toMatchObject({ code: 'ACTIVE_JOB_EXISTS', jobId: uuid(7) });
    expect(client.getSnapshot()).toMatchObject({ status: 'blocked', jobId: uuid(7) });
    await until(() => server.count('POST', `/jobs/${uuid(101)}/cancel`) === 1, 'failsafe');
    expect(server.count('POST', `/jobs/${uuid(7)}/cancel`)).toBe(0);
    expect((await server.runner.get(uuid(7), 'u1')).status).toBe('running');
  });

  it('a phantom (unreal) starting job is cancelled without confirm', async () => {
    const { server, client } = setup();
    const now = server.clock.now();
    await server.store.create(
      {
        id: uuid(9),
        tool: 'veste-ai',
        userId: 'u1',
        pool: 'default',
        input: {},
        userCreditCost: 0,
      },
      { maxActivePerUser: 1, now },
    );
    await client.checkActive();
    expect(client.getSnapshot()).toMatchObject({ status: 'blocked', needsConfirm: false });
    await expect(client.cancel()).resolves.toMatchObject({ status: 'cancelled' });
    expect(client.getSnapshot().status).toBe('idle');
  });

  it('the block lifts by itself when the blocking job ends', async () => {
    const { server, client, status } = setup();
    await server.submitAs('u1', uuid(3));
    await client.checkActive();
    expect(status()).toBe('blocked');
    await server.clock.advance(1_000);
    await until(() => status() === 'idle', 'idle');
    expect(client.isWatching).toBe(false);
  });
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

describe('JobClient uploads', () => {
  function fakeUploader(fail?: string) {
    const calls: UploadRequest[] = [];
    const removed: string[][] = [];
    const uploader: Uploader = {
      async upload(request, options) {
        calls.push(request);
        options?.onProgress?.(0.5);
        await Promise.resolve();
        if (request.name.startsWith(fail ?? '\0')) throw new Error('bucket is full');
        return { path: `${request.tool}/${request.userId}/${request.jobId}/${request.name}` };
      },
      async remove(paths) {
        removed.push([...paths]);
      },
    };
    return { uploader, calls, removed };
  }

  it('uploads inputs first under the job id, reports progress, and puts the paths into the input', async () => {
    const { uploader, calls } = fakeUploader();
    const { server, client, states, status } = setup({ uploader });
    const person = new File([new Uint8Array(300)], 'Me.PNG', { type: 'image/png' });
    const clothing = new Blob([new Uint8Array(100)], { type: 'image/webp' });
    const done = client.run('veste-ai', {}, { person, clothing });
    await until(() => status() === 'running');
    expect(calls.map((c) => c.name)).toEqual(['person.png', 'clothing.webp']);
    const progress = states.filter((s) => s.status === 'uploading').map((s) => s.progress);
    expect(progress[0]).toBe(0);
    expect(progress.at(-1)).toBe(1);
    expect(progress).toContain(0.5);
    expect(server.requests.find((r) => r.path === '/jobs')?.body).toEqual({
      jobId: uuid(101),
      tool: 'veste-ai',
      input: {
        person: `veste-ai/u1/${uuid(101)}/person.png`,
        clothing: `veste-ai/u1/${uuid(101)}/clothing.webp`,
      },
    });
    await server.clock.advance(1_000);
    await done;
  });

  it('a failed upload ends STORAGE_ERROR, removes what was uploaded, submits nothing', async () => {
    const { uploader, removed } = fakeUploader('clothing');
    const { server, client } = setup({ uploader });
    const files = { person: new Blob(['a']), clothing: new Blob(['b']) };
    const error = await client.run('veste-ai', {}, files).catch((e: JobGateError) => e);
    expect(error).toMatchObject({ code: 'STORAGE_ERROR', jobId: uuid(101) });
    expect(removed).toEqual([[`veste-ai/u1/${uuid(101)}/person`]]);
    expect(server.count('POST', '/jobs')).toBe(0);
    expect(client.getSnapshot()).toMatchObject({ status: 'failed', isBusy: false });
  });

  it('cancel during the upload aborts it and returns to idle', async () => {
    let aborted = false;
    const uploader: Uploader = {
      upload: (_request, options) =>
        new Promise((_, reject) => {
          options?.signal?.addEventListener('abort', () => {
            aborted = true;
            reject(new DOMException('aborted', 'AbortError'));
          });
        }),
      remove: async () => {},
    };
    const { server, client, status } = setup({ uploader });
    const run = client.run('veste-ai', {}, { person: new Blob(['a']) });
    await until(() => status() === 'uploading');
    await client.cancel();
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED_BY_USER' });
    expect(aborted).toBe(true);
    expect(client.getSnapshot()).toMatchObject({ status: 'idle', isBusy: false });
    expect(server.count('POST', '/jobs')).toBe(0);
  });
});
