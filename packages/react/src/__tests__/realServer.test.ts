// The browser client against the real @jobgate/server handler (in-process, same wire
// format as production): keeps the two sides of the HTTP contract in step. About the job
// protocol, not files: the fake server's tools have no file fields here (createFakeServer's
// default), so inputs go without uploads; the files' path against this handler is in
// useOutputFiles.test.tsx.

import {
  createJobClient,
  fetchTransport,
  type JobGateError,
  sseUpdates,
} from '@jobgate/core/client';
import { FakeClock } from '@jobgate/core/testing';
import { invalidInputs, sampleInputs } from '@jobgate/example-tools';
import { createJobHandler, staticTokenAuthenticator } from '@jobgate/server';
import { describe, expect, it } from 'vitest';
import { createFakeServer, flush, uuid } from '../../../core/src/client/__tests__/fakeServer.js';

const baseUrl = 'http://jobgate.test/jobgate';

function setup(options: { cap?: number } = {}) {
  const sim = createFakeServer({ cap: options.cap ?? 3 });
  const handler = createJobHandler({
    runner: sim.runner,
    auth: staticTokenAuthenticator({ 'token-u1': 'u1' }),
    basePath: '/jobgate',
    cors: false,
  });
  const paths: string[] = [];
  const fetchImpl: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    paths.push(`${request.method} ${new URL(request.url).pathname}`);
    return handler(request);
  };
  const clock = new FakeClock();
  const getToken = () => 'token-u1';
  let n = 200;
  const client = createJobClient({
    transport: fetchTransport({ baseUrl, getToken, fetch: fetchImpl, clock }),
    updates: sseUpdates({ baseUrl, getToken, fetch: fetchImpl, clock }),
    clock,
    generateId: () => uuid(++n),
  });
  return { sim, client, paths, clock };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await flush(1);
  expect(check()).toBe(true);
}

describe('JobClient against @jobgate/server', () => {
  it('runs a job with live SSE updates to completed', async () => {
    const { sim, client, paths } = setup();
    const done = client.run('veste-ai', { ...sampleInputs['veste-ai'] });
    await until(() => client.getSnapshot().status === 'running');
    await until(() => paths.includes(`GET /jobgate/jobs/${uuid(201)}/events`));
    await flush();
    await sim.progress(uuid(201), 0.3);
    await until(() => client.getSnapshot().progress === 0.3);
    await sim.clock.advance(1_000);
    await expect(done).resolves.toMatchObject({ id: uuid(201), status: 'completed' });
    expect(paths.slice(0, 2)).toEqual(['GET /jobgate/jobs/active', 'POST /jobgate/jobs']);
  });

  it('invalid input: typed VALIDATION error, the job is terminal, a retry works at once', async () => {
    const { sim, client, paths } = setup();
    const error = await client
      .run('veste-ai', { ...invalidInputs['veste-ai'] })
      .catch((e: JobGateError) => e);
    expect(error).toMatchObject({ code: 'VALIDATION' });
    expect(client.getSnapshot()).toMatchObject({ status: 'failed', isBusy: false });
    await until(() => paths.includes(`POST /jobgate/jobs/${uuid(201)}/cancel`));
    expect(await sim.runner.active('u1')).toBeNull();
    const retry = client.run('veste-ai', { ...sampleInputs['veste-ai'] });
    await until(() => client.getSnapshot().status === 'running');
    await sim.clock.advance(1_000);
    await expect(retry).resolves.toMatchObject({ status: 'completed' });
  });

  it('blocked by a real queued job: CONFIRM_REQUIRED without confirm, cancelled with it', async () => {
    const { sim, client } = setup({ cap: 1 });
    await sim.submitAs('other', uuid(1));
    await sim.submitAs('u1', uuid(2));
    await expect(client.run('veste-ai', { ...sampleInputs['veste-ai'] })).rejects.toMatchObject({
      code: 'ACTIVE_JOB_EXISTS',
    });
    expect(client.getSnapshot()).toMatchObject({
      status: 'blocked',
      position: 1,
      needsConfirm: true,
    });
    // The server's own rule, asked directly (the client refuses locally before sending).
    const transport = fetchTransport({
      baseUrl,
      getToken: () => 'token-u1',
      fetch: (i, init) =>
        createJobHandler({
          runner: sim.runner,
          auth: staticTokenAuthenticator({ 'token-u1': 'u1' }),
          basePath: '/jobgate',
          cors: false,
        })(new Request(i, init)),
    });
    await expect(transport.cancel(uuid(2))).rejects.toMatchObject({ code: 'CONFIRM_REQUIRED' });
    await expect(client.cancel(true)).resolves.toMatchObject({ status: 'cancelled' });
    expect(client.getSnapshot().status).toBe('idle');
  });
});
