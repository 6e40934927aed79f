import { randomUUID } from 'node:crypto';
import type { Job } from '@jobgate/core';
import { webhookToken } from '@jobgate/core/adapter';
import { SIMULATED_RESULT } from '@jobgate/core/testing';
import { sampleInput } from '@jobgate/example-tools';
import { describeWith } from '@jobgate/testkit';
import { expect, it } from 'vitest';
import { signHs256Jwt } from '../signHs256Jwt.js';
import { edgeFunctionStack, WEBHOOK_SECRET } from './edgeFunctionStack.js';

// Every route of the starter's edge function: bad input, server-sent events, maintenance, CORS.
describeWith('postgres', 'the Supabase starter: edge function routes in Deno', () => {
  const { token, serviceToken, call, input, row, nonTerminal, sql, baseUrl } = edgeFunctionStack();

  it('bad input on every route: 4xx JSON, never 5xx, nothing left waiting', async () => {
    const user = randomUUID();
    const other = randomUUID();
    const t = await token(user);
    const foreignId = randomUUID();
    await call('POST', '/jobs', {
      token: await token(other),
      body: {
        jobId: foreignId,
        tool: 'veste-ai',
        input: await input('veste-ai', other, foreignId),
      },
    });
    const forged = await signHs256Jwt(
      {
        sub: user,
        role: 'authenticated',
        aud: 'authenticated',
        exp: Math.floor(Date.now() / 1000) + 60,
      },
      'not-the-project-secret-0123456789abcdef',
    );
    const expired = await token(user, { exp: Math.floor(Date.now() / 1000) - 3600 });
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: user, role: 'authenticated', aud: 'authenticated', exp: 9e9 })).toString('base64url')}.`;
    const routes: Array<[string, string]> = [
      ['POST', '/jobs'],
      ['GET', '/jobs/active'],
      ['GET', `/jobs/${foreignId}`],
      ['POST', `/jobs/${foreignId}/cancel`],
      ['POST', '/jobs/cancel-session'],
      ['GET', '/slots'],
      ['GET', `/jobs/${foreignId}/events`],
      ['GET', `/jobs/${foreignId}/files`],
      ['POST', '/quote'],
      ['POST', '/maintenance'],
    ];
    const statuses: number[] = [];
    for (const [method, path] of routes) {
      for (const bad of [null, forged, expired, none, 'garbage']) {
        const r = await call(method, path, {
          token: bad,
          body: method === 'POST' ? {} : undefined,
        });
        expect(r.status, `${method} ${path}`).toBe(401);
        expect(r.body?.error?.code).toBe('UNAUTHENTICATED');
      }
    }
    // A body may depend on the user of its case (file fields name the caller's own folder).
    type Init = { body?: unknown | ((caseUser: string) => unknown); raw?: BodyInit };
    const cases: Array<[string, string, Init, number]> = [
      ['POST', '/jobs', { raw: '{"jobId":' }, 400],
      ['POST', '/jobs', { body: [] }, 400],
      ['POST', '/jobs', { body: { jobId: 5, tool: 'veste-ai', input: {} } }, 400],
      ['POST', '/jobs', { body: { jobId: randomUUID(), tool: 'nope', input: {} } }, 400],
      [
        'POST',
        '/jobs',
        { body: { jobId: randomUUID(), tool: 'veste-ai', input: { person: 3 } } },
        400,
      ],
      // Another user's job id: refused as any id in use (CONFLICT), saying nothing of whose.
      [
        'POST',
        '/jobs',
        {
          body: (caseUser: string) => ({
            jobId: foreignId,
            tool: 'veste-ai',
            input: sampleInput('veste-ai', { userId: caseUser, jobId: foreignId }),
          }),
        },
        409,
      ],
      // Another user's files (the foreign job's own uploads): refused before any row.
      [
        'POST',
        '/jobs',
        {
          body: {
            jobId: randomUUID(),
            tool: 'veste-ai',
            input: sampleInput('veste-ai', { userId: other, jobId: foreignId }),
          },
        },
        400,
      ],
      ['POST', '/jobs', { raw: 'x'.repeat(200_000) }, 413],
      ['GET', `/jobs/${foreignId}`, {}, 404],
      ['GET', '/jobs/not-a-uuid', {}, 400],
      ['GET', `/jobs/${foreignId}/events`, {}, 404],
      ['GET', `/jobs/${foreignId}/files`, {}, 404],
      ['POST', '/quote', { body: { tool: 'nope', input: {} } }, 400],
      ['POST', '/quote', { body: { tool: 'veste-ai', input: { person: 3 } } }, 400],
      ['POST', `/jobs/${foreignId}/cancel`, { body: { confirm: true } }, 404],
      ['POST', `/jobs/${foreignId}/cancel`, { body: { confirm: 'yes' } }, 400],
      ['POST', `/jobs/${foreignId}/cancel`, { raw: '{' }, 400],
      ['POST', '/jobs/cancel-session', { raw: 'nope' }, 400],
      ['GET', '/slots?pool=%00', {}, 400],
      ['POST', '/maintenance', {}, 403],
      ['POST', `/webhooks/simulated/${foreignId}.forged`, { body: {} }, 401],
    ];
    const users = [user];
    for (const [method, path, init, status] of cases) {
      // A user per case: the submit rate limit (5 per window) is not what this checks.
      const caseUser = randomUUID();
      users.push(caseUser);
      const body = typeof init.body === 'function' ? init.body(caseUser) : init.body;
      const r = await call(method, path, { token: await token(caseUser), ...init, body });
      statuses.push(r.status);
      expect(r.status, `${method} ${path} ${JSON.stringify(init).slice(0, 60)}`).toBe(status);
      expect(r.body?.error?.code).toEqual(expect.any(String));
    }
    // An oversized body sent in chunks with no Content-Length is cut off on the stream.
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ >= 64) return controller.close();
        controller.enqueue(new Uint8Array(16_384).fill(32));
      },
    });
    // Straight to the function: the gateway in front of it buffers bodies.
    const chunked = await call('POST', '/jobs', { token: t, raw: stream, direct: true });
    expect(chunked.status).toBe(413);
    expect(statuses.every((s) => s >= 400 && s < 500)).toBe(true);
    expect(await nonTerminal(users)).toEqual([]);
    expect((await row(foreignId))?.status).toBe('running');
  });

  it('server-sent events: the current state first, every change, the end after a terminal state', async () => {
    const user = randomUUID();
    const t = await token(user);
    const id = randomUUID();
    await call('POST', '/jobs', {
      token: t,
      body: { jobId: id, tool: 'veste-ai', input: await input('veste-ai', user, id) },
    });
    const response = await fetch(`${baseUrl()}/jobs/${id}/events`, {
      headers: { authorization: `Bearer ${t}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    const readUntil = async (pattern: RegExp) => {
      const deadline = Date.now() + 10_000;
      while (!pattern.test(text)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}: ${text}`);
        const { done, value } = await reader.read();
        if (done) break;
        text += value;
      }
    };
    await readUntil(/event: job\ndata: .*"status":"running"/);
    await readUntil(/: ping/);
    const task = (await row(id))?.task_id;
    await call('POST', `/webhooks/simulated/${await webhookToken(WEBHOOK_SECRET, id)}`, {
      body: { taskId: task, state: 'completed', output: { files: [SIMULATED_RESULT] } },
    });
    await readUntil(/"status":"completed"/);
    // The stream ends after the terminal state.
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += value;
    }
    const events = text
      .split('\n\n')
      .filter((block) => block.startsWith('event: job'))
      .map((block) => JSON.parse(block.split('\ndata: ')[1]!) as Job);
    expect(events[0]?.status).toBe('running');
    expect(events.at(-1)?.status).toBe('completed');
    // The result reached the stream as the function stored it, not as the provider's URL.
    expect(events.at(-1)?.output).toMatchObject({
      files: [`veste-ai/${user}/${id}/output-1.png`],
    });
  });

  it('POST /maintenance with the service role heals, users are refused', async () => {
    const user = randomUUID();
    const stale = randomUUID();
    await sql.query(
      `insert into jobgate_jobs (id, tool, user_id, status, created_at, updated_at)
     values ($1, 'upscaler', $2, 'starting', now() - interval '1 minute', now() - interval '1 minute')`,
      [stale, user],
    );
    expect((await call('POST', '/maintenance', { token: await token(user) })).status).toBe(403);
    const r = await call('POST', '/maintenance', { token: await serviceToken() });
    expect(r.status).toBe(200);
    const report = r.body?.report as { healed: Job[] };
    expect(report.healed.map((j) => j.id)).toContain(stale);
    expect(await row(stale)).toMatchObject({ status: 'cancelled', error_code: 'STALE_START' });
  });

  it('answers CORS preflights for browsers', async () => {
    const r = await fetch(`${baseUrl()}/jobs`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    });
    expect(r.status).toBe(204);
    expect(r.headers.get('access-control-allow-origin')).toBe('*');
    expect(r.headers.get('access-control-allow-headers')).toContain('authorization');
  });
});
