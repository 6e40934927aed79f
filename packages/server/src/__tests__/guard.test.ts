import { sampleInputs } from '@jobgate/example-tools';
import { describe, expect, it } from 'vitest';
import { setup, TOKENS, uuid } from './harness.js';

describe('the guard: bad input on every route → 4xx JSON, never 5xx, nothing left waiting', () => {
  const routes: Array<[string, string]> = [
    ['POST', '/jobs'],
    ['GET', '/jobs/active'],
    ['GET', `/jobs/${uuid(1)}`],
    ['POST', `/jobs/${uuid(1)}/cancel`],
    ['POST', '/jobs/cancel-session'],
    ['GET', '/slots'],
    ['GET', `/jobs/${uuid(1)}/events`],
    ['GET', `/jobs/${uuid(1)}/files`],
    ['POST', '/quote'],
    ['POST', '/maintenance'],
  ];

  it.each(routes)('%s %s: missing, malformed or forged tokens → 401', async (method, path) => {
    const { call, store, upload } = setup();
    const body =
      method === 'POST'
        ? { jobId: uuid(1), tool: 'veste-ai', input: upload('veste-ai', uuid(1)) }
        : undefined;
    for (const token of [null, '', 'token-mallory', 'a.b.c', TOKENS.alice + 'x']) {
      const r = await call(method, path, { token, body });
      expect(r.status, String(token)).toBe(401);
      expect(r.body?.error?.code).toBe('UNAUTHENTICATED');
      expect(r.headers.get('www-authenticate')).toBe('Bearer');
    }
    const basic = await call(method, path, {
      token: null,
      body,
      headers: { authorization: 'Basic YWxpY2U6cGFzcw==' },
    });
    expect(basic.status).toBe(401);
    expect(store.snapshot()).toEqual([]);
  });

  const postRoutes = routes.filter(([m]) => m === 'POST');
  it.each(postRoutes)(
    '%s %s: malformed JSON, wrong types, oversized bodies → 400/413',
    async (method, path) => {
      const { call, activeOf } = setup();
      const service = path === '/maintenance' ? TOKENS.service : TOKENS.alice;
      const cases: Array<[BodyInit, number]> = [
        ['{"jobId":', 400],
        ['\u0000\u0001', 400],
        [new Uint8Array([0xff, 0xfe, 0x7b]), 400],
        ['x'.repeat(70_000), 413],
        [`{"a":${'['.repeat(100)}${']'.repeat(100)}}`, 400],
      ];
      for (const [raw, status] of cases) {
        const r = await call(method, path, { token: service, raw });
        expect(r.status, String(raw).slice(0, 20)).toBe(status);
        expect(r.body?.error?.code).toBe(status === 413 ? 'PAYLOAD_TOO_LARGE' : 'VALIDATION');
      }
      expect(activeOf('alice')).toEqual([]);
    },
  );

  it('oversized bodies are counted on the stream, whatever Content-Length says', async () => {
    const { call, store } = setup();
    const chunk = new TextEncoder().encode('x'.repeat(8_192));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 100) return controller.close();
        sent++;
        controller.enqueue(chunk);
      },
    });
    const r = await call('POST', '/jobs', { raw: stream });
    expect(r.status).toBe(413);
    expect(sent).toBeLessThan(100);
    expect(store.snapshot()).toEqual([]);
  });

  it('POST /jobs with wrong types: each refused with 400, no row for any of them', async () => {
    const { call, store, activeOf } = setup({ rateLimits: { submit: null } });
    const bodies: unknown[] = [
      null,
      [],
      'job',
      42,
      {},
      { jobId: 'not-a-uuid', tool: 'veste-ai', input: {} },
      { jobId: 7, tool: 'veste-ai', input: {} },
      { jobId: uuid(1), tool: 42, input: sampleInputs['veste-ai'] },
      { jobId: uuid(2), tool: 'veste-ai', input: 'string' },
      { jobId: uuid(3), tool: 'veste-ai', input: { person: 1, clothing: [] } },
      { jobId: uuid(4), tool: '', input: {} },
      { jobId: uuid(5), tool: 'x'.repeat(65), input: {} },
    ];
    for (const body of bodies) {
      const r = await call('POST', '/jobs', { body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body?.error?.code).toBe('VALIDATION');
    }
    expect(activeOf('alice')).toEqual([]);
    // A refusal writes nothing, whatever it was about.
    expect(store.snapshot()).toEqual([]);
  });

  it('unknown tools are refused from the registry, no row, no SQL built from them', async () => {
    const { call, store } = setup();
    for (const tool of ['nope', "upscaler'; drop table jobs; --", '__proto__', 'constructor']) {
      const r = await call('POST', '/jobs', { body: { jobId: uuid(1), tool, input: {} } });
      expect(r.status).toBe(400);
      expect(r.body?.error?.code).toBe('VALIDATION');
    }
    expect(store.snapshot()).toEqual([]);
  });

  it('cancel: wrong types and bad ids → 400, foreign ids → 404', async () => {
    const { call, store, upload } = setup();
    await call('POST', '/jobs', {
      token: TOKENS.bob,
      body: { jobId: uuid(1), tool: 'veste-ai', input: upload('veste-ai', uuid(1), 'bob') },
    });
    expect(
      (await call('POST', `/jobs/${uuid(1)}/cancel`, { body: { confirm: 'yes' } })).status,
    ).toBe(400);
    expect((await call('POST', '/jobs/not-a-uuid/cancel', { body: {} })).status).toBe(400);
    expect((await call('POST', '/jobs/%E0%A4%A/cancel', { body: {} })).status).toBe(400);
    expect((await call('GET', '/jobs/..%2F..%2Fetc')).status).toBe(400);
    expect(
      (await call('POST', `/jobs/${uuid(1)}/cancel`, { body: { confirm: true } })).status,
    ).toBe(404);
    expect((await store.get(uuid(1)))?.status).toBe('running');
  });

  it('GET /slots validates its pool, unknown routes and methods are 404', async () => {
    const { call } = setup();
    expect((await call('GET', '/slots?pool=a%20b')).status).toBe(400);
    expect((await call('GET', '/slots?pool=other')).body).toEqual({
      pool: 'other',
      cap: 3,
      running: 0,
      queued: 0,
    });
    expect((await call('GET', '/nope')).status).toBe(404);
    expect((await call('DELETE', `/jobs/${uuid(1)}`)).status).toBe(404);
    expect((await call('GET', '/jobs')).status).toBe(404);
  });

  it('a store failure during submit is a 5xx that still leaves the job terminal', async () => {
    const { call, store, runner, provider, upload } = setup();
    // The job was created and started at the provider; recording its task fails.
    const attach = store.attachTask.bind(store);
    store.attachTask = async () => {
      throw new Error('connection reset');
    };
    const r = await call('POST', '/jobs', {
      body: { jobId: uuid(1), tool: 'veste-ai', input: upload('veste-ai', uuid(1)) },
    });
    expect(r.status).toBe(500);
    expect(r.body?.error).toMatchObject({ code: 'INTERNAL', jobId: uuid(1) });
    expect(r.body?.error?.message).not.toMatch(/connection reset/);
    expect((await store.get(uuid(1)))?.status).toBe('failed');
    // The task the provider accepted is not left running for nobody.
    expect(provider.stats.cancelled).toBe(1);
    store.attachTask = attach;
    expect(await runner.active('alice')).toBeNull();
  });
});
