import { describe, expect, it } from 'vitest';
import type { JobGateError } from '../../domain/errors.js';
import { FakeClock } from '../../testing/fakeClock.js';
import { fetchTransport } from '../fetchTransport.js';
import { createFakeServer, flush, uuid } from './fakeServer.js';

type Call = { url: string; method: string; headers: Headers; body: string | null };

function stub(respond: (call: Call) => Response | Promise<Response>) {
  const calls: Call[] = [];
  const fetchImpl: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const call = {
      url: request.url,
      method: request.method,
      headers: request.headers,
      body: request.method === 'GET' ? null : await request.text(),
    };
    calls.push(call);
    return respond(call);
  };
  return { calls, fetchImpl };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });

describe('fetchTransport', () => {
  it('speaks the wire format: bearer token, routes, bodies', async () => {
    const server = createFakeServer();
    const { calls, fetchImpl } = stub((call) => server.fetch(call.url, call));
    const t = fetchTransport({
      baseUrl: 'https://x.test/api/',
      getToken: () => 'u1',
      fetch: fetchImpl,
    });
    expect(await t.active()).toBeNull();
    const job = await t.submit({
      jobId: uuid(1),
      tool: 'veste-ai',
      input: { person: 'a', clothing: 'b' },
    });
    expect(job).toMatchObject({ id: uuid(1), status: 'running' });
    expect((await t.get(uuid(1))).id).toBe(uuid(1));
    expect(await t.slots()).toEqual({ pool: 'default', cap: 3, running: 1, queued: 0 });
    await expect(t.cancel(uuid(1))).rejects.toMatchObject({
      code: 'CONFIRM_REQUIRED',
      jobId: uuid(1),
    });
    expect((await t.cancel(uuid(1), { confirm: true })).status).toBe('cancelled');
    expect(await t.cancelSession()).toEqual([]);
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'GET https://x.test/api/jobs/active',
      'POST https://x.test/api/jobs',
      `GET https://x.test/api/jobs/${uuid(1)}`,
      'GET https://x.test/api/slots',
      `POST https://x.test/api/jobs/${uuid(1)}/cancel`,
      `POST https://x.test/api/jobs/${uuid(1)}/cancel`,
      'POST https://x.test/api/jobs/cancel-session',
    ]);
    expect(calls.every((c) => c.headers.get('authorization') === 'Bearer u1')).toBe(true);
    expect(JSON.parse(calls[1]?.body ?? '')).toEqual({
      jobId: uuid(1),
      tool: 'veste-ai',
      input: { person: 'a', clothing: 'b' },
    });
    expect(JSON.parse(calls[4]?.body ?? '')).toEqual({});
    expect(JSON.parse(calls[5]?.body ?? '')).toEqual({ confirm: true });
  });

  it('maps a JSON error body to its code, message and job id', async () => {
    const { fetchImpl } = stub(() =>
      json(409, {
        error: { code: 'ACTIVE_JOB_EXISTS', message: 'you already have one', jobId: 'j9' },
      }),
    );
    const t = fetchTransport({ baseUrl: 'https://x.test', fetch: fetchImpl });
    const error = await t
      .submit({ jobId: 'j1', tool: 't', input: {} })
      .catch((e: JobGateError) => e);
    expect(error).toMatchObject({
      name: 'JobGateError',
      code: 'ACTIVE_JOB_EXISTS',
      message: 'you already have one',
      jobId: 'j9',
    });
  });

  it.each([
    [502, '<html><h1>Bad Gateway</h1></html>', 'NETWORK_ERROR'],
    [504, '<html>Gateway Timeout</html>', 'TIMEOUT'],
    [500, 'Internal Server Error', 'INTERNAL'],
    [401, '', 'UNAUTHENTICATED'],
    [404, '<!doctype html><title>Not found</title>', 'NOT_FOUND'],
  ])('maps a non-JSON %i answer by its status', async (status, body, code) => {
    const { fetchImpl } = stub(
      () => new Response(body, { status, headers: { 'content-type': 'text/html' } }),
    );
    const t = fetchTransport({ baseUrl: 'https://x.test', fetch: fetchImpl });
    const error = await t.get('j1').catch((e: JobGateError) => e);
    expect(error).toMatchObject({ code, jobId: 'j1' });
    expect((error as JobGateError).message).toContain(`HTTP ${status}`);
  });

  it('keeps Retry-After of a rate limit', async () => {
    const { fetchImpl } = stub(() =>
      json(429, { error: { code: 'RATE_LIMITED', message: 'slow down' } }, { 'retry-after': '7' }),
    );
    const t = fetchTransport({ baseUrl: 'https://x.test', fetch: fetchImpl });
    await expect(t.active()).rejects.toMatchObject({
      code: 'RATE_LIMITED',
      retryAfterMs: 7_000,
      retryable: true,
    });
  });

  it('a 200 that is not jobgate JSON (an SPA fallback page) is an error, not a job', async () => {
    const { fetchImpl } = stub(() => new Response('<html>app</html>', { status: 200 }));
    const t = fetchTransport({ baseUrl: 'https://x.test', fetch: fetchImpl });
    await expect(t.active()).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('a failed fetch is NETWORK_ERROR; a silent server is TIMEOUT after timeoutMs', async () => {
    const down = fetchTransport({
      baseUrl: 'https://x.test',
      fetch: async () => {
        throw new TypeError('Failed to fetch');
      },
    });
    await expect(down.active()).rejects.toMatchObject({ code: 'NETWORK_ERROR', retryable: true });

    const clock = new FakeClock();
    const hang: typeof fetch = (_input, init) =>
      new Promise((_, reject) => {
        init?.signal?.addEventListener('abort', () =>
          reject(new DOMException('aborted', 'AbortError')),
        );
      });
    const slow = fetchTransport({
      baseUrl: 'https://x.test',
      fetch: hang,
      clock,
      timeoutMs: 5_000,
    });
    const pending = slow.get('j1').catch((e: JobGateError) => e);
    await flush(2);
    await clock.advance(5_000);
    expect(await pending).toMatchObject({ code: 'TIMEOUT', jobId: 'j1' });
    expect(clock.pending).toBe(0);
  });
});
