import { type Job, jobRecord, webhookToken } from '@jobgate/core';
import { invalidInputs, sampleInputs } from '@jobgate/example-tools';
import { describe, expect, it } from 'vitest';
import { setup, TOKENS, USERS, uuid, WEBHOOK_SECRET } from './harness.js';

const TOOL_IDS = ['upscaler', 'pose-changer', 'veste-ai', 'video-upscaler'] as const;
type ToolId = (typeof TOOL_IDS)[number];

/** The old app's phantom: `queued` without ever entering the queue. */
function phantom(id: string, userId: string, tool: string, createdAt: number): Job {
  const row = jobRecord(
    { id, tool, userId, pool: 'default', input: {}, userCreditCost: 0 },
    createdAt,
  );
  return { ...row, status: 'queued' };
}

describe.each(TOOL_IDS)('the existing app’s scenarios, tool %s', (tool: ToolId) => {
  it('1a. invalid input → 400 with a code, no row, and a retry (even with the same id) works at once', async () => {
    const { call, store, activeOf } = setup();
    const bad = await call('POST', '/jobs', {
      body: { jobId: uuid(1), tool, input: invalidInputs[tool] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body?.error).toMatchObject({ code: 'VALIDATION', jobId: uuid(1) });
    expect(await store.get(uuid(1))).toBeNull();
    expect(activeOf('alice')).toEqual([]);
    expect((await call('GET', '/jobs/active')).body).toEqual({ job: null });
    const retry = await call('POST', '/jobs', {
      body: { jobId: uuid(1), tool, input: sampleInputs[tool] },
    });
    expect(retry.status).toBe(200);
    expect(retry.body?.job).toMatchObject({ id: uuid(1), status: 'running', userId: 'alice' });
  });

  it('1b. rate limit by rapid clicks → 429, no row, nothing blocks the retry', async () => {
    const { call, store, clock, activeOf } = setup();
    // Five rapid clicks on a form that is still wrong, then the sixth with good input.
    for (let i = 1; i <= 5; i++) {
      const r = await call('POST', '/jobs', {
        body: { jobId: uuid(i), tool, input: invalidInputs[tool] },
      });
      expect(r.status).toBe(400);
    }
    const limited = await call('POST', '/jobs', {
      body: { jobId: uuid(6), tool, input: sampleInputs[tool] },
    });
    expect(limited.status).toBe(429);
    expect(limited.body?.error).toMatchObject({ code: 'RATE_LIMITED', jobId: uuid(6) });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(store.snapshot()).toEqual([]);
    expect(activeOf('alice')).toEqual([]);
    expect((await call('GET', '/jobs/active')).body).toEqual({ job: null });
    // After the window the same click (same job id) runs at once.
    await clock.advance(Number(limited.headers.get('retry-after')) * 1000);
    const retry = await call('POST', '/jobs', {
      body: { jobId: uuid(6), tool, input: sampleInputs[tool] },
    });
    expect(retry.status).toBe(200);
    expect(retry.body?.job?.status).toBe('running');
  });

  it('2. three running → the 4th is queued at position 1 and runs when a slot frees', async () => {
    const { call, store } = setup();
    const users = USERS.slice(0, 4);
    const answers = [];
    for (const [i, user] of users.entries()) {
      answers.push(
        await call('POST', '/jobs', {
          token: TOKENS[user],
          body: { jobId: uuid(i + 1), tool, input: sampleInputs[tool] },
        }),
      );
    }
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(answers.slice(0, 3).map((a) => a.body?.job?.status)).toEqual([
      'running',
      'running',
      'running',
    ]);
    expect(answers[3]?.body?.job).toMatchObject({
      status: 'queued',
      waitedInQueue: true,
      position: 1,
    });
    const slots = await call('GET', '/slots');
    expect(slots.body).toEqual({ pool: 'default', cap: 3, running: 3, queued: 1 });
    // The provider calls back: the first job completed.
    const first = (await store.get(uuid(1)))!;
    const token = await webhookToken(WEBHOOK_SECRET, uuid(1));
    const hook = await call('POST', `/webhooks/simulated/${token}`, {
      token: null,
      body: { taskId: first.taskId, state: 'completed', output: { files: ['out.png'] } },
    });
    expect(hook.status).toBe(200);
    expect(hook.body).toEqual({ ok: true });
    expect((await store.get(uuid(1)))?.status).toBe('completed');
    const fourth = await call('GET', `/jobs/${uuid(4)}`, { token: TOKENS.dave });
    expect(fourth.body?.job).toMatchObject({ status: 'running', waitedInQueue: true });
    expect(fourth.body?.job?.taskId).not.toBeNull();
  });

  it('3. a phantom row of the old shape is healed by GET /jobs/active past the threshold', async () => {
    const { call, store, clock } = setup();
    store.unsafeInsert(phantom(uuid(9), 'alice', tool, clock.now() - 5_000));
    // Within the threshold it is still shown (it might be a request in flight)…
    const early = await call('GET', '/jobs/active');
    expect(early.body?.job?.id).toBe(uuid(9));
    await clock.advance(11_000);
    // …past it, the active check heals it and the user is free.
    const late = await call('GET', '/jobs/active');
    expect(late.body).toEqual({ job: null });
    expect(await store.get(uuid(9))).toMatchObject({
      status: 'cancelled',
      errorCode: 'STALE_START',
      completedAt: expect.any(String),
    });
    const next = await call('POST', '/jobs', {
      body: { jobId: uuid(10), tool, input: sampleInputs[tool] },
    });
    expect(next.status).toBe(200);
    expect(next.body?.job?.status).toBe('running');
  });

  it('4. cancel: an unreal queued job freely, a real one only with confirm, never someone else’s', async () => {
    const { call, store, clock } = setup();
    // An unreal (phantom) queued job of alice's: cancelled without confirm.
    store.unsafeInsert(phantom(uuid(20), 'alice', tool, clock.now()));
    const free = await call('POST', `/jobs/${uuid(20)}/cancel`, { body: {} });
    expect(free.status).toBe(200);
    expect(free.body?.job).toMatchObject({ status: 'cancelled', errorCode: 'CANCELLED_BY_USER' });
    // Fill the three slots, then alice really waits.
    for (const [i, user] of (['bob', 'carol', 'dave'] as const).entries()) {
      await call('POST', '/jobs', {
        token: TOKENS[user],
        body: { jobId: uuid(30 + i), tool, input: sampleInputs[tool] },
      });
    }
    const queued = await call('POST', '/jobs', {
      body: { jobId: uuid(40), tool, input: sampleInputs[tool] },
    });
    expect(queued.body?.job).toMatchObject({ status: 'queued', position: 1 });
    // Bob cannot cancel it, nor see it: 404, and it is untouched.
    const foreign = await call('POST', `/jobs/${uuid(40)}/cancel`, {
      token: TOKENS.bob,
      body: { confirm: true },
    });
    expect(foreign.status).toBe(404);
    expect(foreign.body?.error?.code).toBe('NOT_FOUND');
    expect(foreign.body?.error?.jobId).toBeUndefined();
    expect((await store.get(uuid(40)))?.status).toBe('queued');
    // Alice without confirm: 409, still queued (a real place in the queue is not lost by accident).
    const unconfirmed = await call('POST', `/jobs/${uuid(40)}/cancel`);
    expect(unconfirmed.status).toBe(409);
    expect(unconfirmed.body?.error).toMatchObject({ code: 'CONFIRM_REQUIRED', jobId: uuid(40) });
    expect(await store.get(uuid(40))).toMatchObject({ status: 'queued', position: 1 });
    const confirmed = await call('POST', `/jobs/${uuid(40)}/cancel`, { body: { confirm: true } });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body?.job).toMatchObject({ status: 'cancelled', position: null });
    // Bob's running job was never touched by any of this.
    expect((await store.get(uuid(30)))?.status).toBe('running');
  });
});

describe('routes', () => {
  it('GET /jobs/:id returns the own job, 404 for a foreign or missing one', async () => {
    const { call } = setup();
    await call('POST', '/jobs', {
      body: { jobId: uuid(1), tool: 'veste-ai', input: sampleInputs['veste-ai'] },
    });
    const own = await call('GET', `/jobs/${uuid(1)}`);
    expect(own.status).toBe(200);
    expect(own.body?.job?.id).toBe(uuid(1));
    const foreign = await call('GET', `/jobs/${uuid(1)}`, { token: TOKENS.bob });
    const missing = await call('GET', `/jobs/${uuid(2)}`, { token: TOKENS.bob });
    expect(foreign.status).toBe(404);
    expect(missing.status).toBe(404);
    // A foreign job looks exactly like a missing one.
    expect(foreign.body?.error?.code).toBe(missing.body?.error?.code);
    expect(foreign.body?.error?.message).toBe(missing.body?.error?.message);
  });

  it('POST /jobs is idempotent on the job id and never lets a user take a foreign id', async () => {
    const { call, store } = setup();
    const body = { jobId: uuid(1), tool: 'veste-ai', input: sampleInputs['veste-ai'] };
    const first = await call('POST', '/jobs', { body });
    const again = await call('POST', '/jobs', { body });
    expect(again.status).toBe(200);
    expect(again.body?.job?.id).toBe(first.body?.job?.id);
    const stolen = await call('POST', '/jobs', { token: TOKENS.bob, body });
    expect(stolen.status).toBe(404);
    expect(stolen.body?.error?.jobId).toBeUndefined();
    expect((await store.get(uuid(1)))?.userId).toBe('alice');
    expect((await store.get(uuid(1)))?.status).toBe('running');
  });

  it('a body userId is ignored: the user is whoever the token says', async () => {
    const { call, store } = setup();
    const r = await call('POST', '/jobs', {
      body: { jobId: uuid(1), tool: 'veste-ai', input: sampleInputs['veste-ai'], userId: 'bob' },
    });
    expect(r.status).toBe(200);
    expect((await store.get(uuid(1)))?.userId).toBe('alice');
  });

  it('a second job while one is active → 409 ACTIVE_JOB_EXISTS, and no row for the refused one', async () => {
    const { call, store, activeOf } = setup();
    await call('POST', '/jobs', {
      body: { jobId: uuid(1), tool: 'upscaler', input: sampleInputs.upscaler },
    });
    const second = await call('POST', '/jobs', {
      body: { jobId: uuid(2), tool: 'upscaler', input: sampleInputs.upscaler },
    });
    expect(second.status).toBe(409);
    expect(second.body?.error).toMatchObject({ code: 'ACTIVE_JOB_EXISTS', jobId: uuid(2) });
    expect(await store.get(uuid(2))).toBeNull();
    expect(activeOf('alice').map((j) => j.id)).toEqual([uuid(1)]);
  });

  it('POST /jobs/cancel-session cancels the waiting jobs of the user only', async () => {
    const { call } = setup();
    for (const [i, user] of (['bob', 'carol', 'dave', 'alice'] as const).entries()) {
      await call('POST', '/jobs', {
        token: TOKENS[user],
        body: { jobId: uuid(i + 1), tool: 'pose-changer', input: sampleInputs['pose-changer'] },
      });
    }
    const r = await call('POST', '/jobs/cancel-session');
    expect(r.status).toBe(200);
    expect(r.body?.jobs?.map((j) => [j.id, j.status])).toEqual([[uuid(4), 'cancelled']]);
    expect((await call('GET', '/slots')).body).toMatchObject({ running: 3, queued: 0 });
  });

  it('POST /maintenance runs heal with service credentials only', async () => {
    const { call, store, clock } = setup();
    store.unsafeInsert(phantom(uuid(5), 'alice', 'upscaler', clock.now() - 60_000));
    const asUser = await call('POST', '/maintenance');
    expect(asUser.status).toBe(403);
    expect(asUser.body?.error?.code).toBe('FORBIDDEN');
    expect((await store.get(uuid(5)))?.status).toBe('queued');
    const asService = await call('POST', '/maintenance', { token: TOKENS.service });
    expect(asService.status).toBe(200);
    const report = asService.body?.report as { healed: Job[] };
    expect(report.healed.map((j) => j.id)).toEqual([uuid(5)]);
    // The service has no user: user routes refuse it.
    expect((await call('GET', '/jobs/active', { token: TOKENS.service })).status).toBe(403);
  });

  it('webhooks: a forged or foreign token is 401, a malformed body 400, duplicates change nothing', async () => {
    const { call, store } = setup();
    await call('POST', '/jobs', {
      body: { jobId: uuid(1), tool: 'veste-ai', input: sampleInputs['veste-ai'] },
    });
    const job = (await store.get(uuid(1)))!;
    const good = await webhookToken(WEBHOOK_SECRET, uuid(1));
    const forged = await webhookToken('another-secret-0123456789', uuid(1));
    const bad = await call('POST', `/webhooks/simulated/${forged}`, {
      token: null,
      body: { taskId: job.taskId, state: 'completed' },
    });
    expect(bad.status).toBe(401);
    expect((await call('POST', `/webhooks/other/${good}`, { token: null, body: {} })).status).toBe(
      404,
    );
    const malformed = await call('POST', `/webhooks/simulated/${good}`, {
      token: null,
      raw: '{nope',
    });
    expect(malformed.status).toBe(400);
    expect((await store.get(uuid(1)))?.status).toBe('running');
    const body = { taskId: job.taskId, state: 'completed', output: { files: ['a'] } };
    expect((await call('POST', `/webhooks/simulated/${good}`, { token: null, body })).status).toBe(
      200,
    );
    expect((await call('POST', `/webhooks/simulated/${good}`, { token: null, body })).status).toBe(
      200,
    );
    expect(await store.get(uuid(1))).toMatchObject({
      status: 'completed',
      output: { files: ['a'] },
    });
  });
});

describe('the guard: bad input on every route → 4xx JSON, never 5xx, nothing left waiting', () => {
  const routes: Array<[string, string]> = [
    ['POST', '/jobs'],
    ['GET', '/jobs/active'],
    ['GET', `/jobs/${uuid(1)}`],
    ['POST', `/jobs/${uuid(1)}/cancel`],
    ['POST', '/jobs/cancel-session'],
    ['GET', '/slots'],
    ['GET', `/jobs/${uuid(1)}/events`],
    ['POST', '/maintenance'],
  ];

  it.each(routes)('%s %s: missing, malformed or forged tokens → 401', async (method, path) => {
    const { call, store } = setup();
    const body =
      method === 'POST'
        ? { jobId: uuid(1), tool: 'veste-ai', input: sampleInputs['veste-ai'] }
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
    const { call, store } = setup();
    await call('POST', '/jobs', {
      token: TOKENS.bob,
      body: { jobId: uuid(1), tool: 'veste-ai', input: sampleInputs['veste-ai'] },
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
    const { call, store, runner, provider } = setup();
    // The job was created and started at the provider; recording its task fails.
    const attach = store.attachTask.bind(store);
    store.attachTask = async () => {
      throw new Error('connection reset');
    };
    const r = await call('POST', '/jobs', {
      body: { jobId: uuid(1), tool: 'veste-ai', input: sampleInputs['veste-ai'] },
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

describe('CORS', () => {
  it('answers preflights and puts CORS headers on every answer, errors included', async () => {
    const { handler } = setup({ cors: { origin: ['https://app.example'] } });
    const preflight = await handler(
      new Request('https://api.example.test/jobs', {
        method: 'OPTIONS',
        headers: {
          origin: 'https://app.example',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        },
      }),
    );
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
    const denied = await handler(
      new Request('https://api.example.test/jobs', {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example' },
      }),
    );
    expect(denied.status).toBe(403);
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();
    const error = await handler(
      new Request('https://api.example.test/jobs/active', {
        headers: { origin: 'https://app.example' },
      }),
    );
    expect(error.status).toBe(401);
    expect(error.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(await error.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
  });

  it('serves under a base path (a Supabase function named jobgate)', async () => {
    const { handler } = setup({ basePath: '/jobgate' });
    const ok = await handler(
      new Request('https://x.test/jobgate/jobs/active', {
        headers: { authorization: `Bearer ${TOKENS.alice}` },
      }),
    );
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe('*');
    const outside = await handler(
      new Request('https://x.test/jobs/active', {
        headers: { authorization: `Bearer ${TOKENS.alice}` },
      }),
    );
    expect(outside.status).toBe(404);
  });
});
