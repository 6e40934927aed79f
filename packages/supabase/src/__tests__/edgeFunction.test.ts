import { randomUUID } from 'node:crypto';
import { type Job, webhookToken } from '@jobgate/core';
import { invalidInputs, sampleInputs } from '@jobgate/example-tools';
import type { SqlClient } from '@jobgate/postgres';
import { describeWith } from '@jobgate/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ServedFunction,
  serveFunction,
} from '../../../../examples/supabase/local/serveFunction.ts';
import type { LocalSupabase } from '../local.js';
import { signHs256Jwt } from '../signHs256Jwt.js';
import { starterProject } from './starterProject.js';

/**
 * The Supabase starter of examples/supabase, as a user deploys it: its migrations and seed
 * applied to a fresh PostgreSQL database, its edge function in real Deno (its own import map,
 * `npm:` packages from node_modules), state through real supabase-js against the local
 * PostgREST stand-in, and every request through the `/functions/v1/jobgate` gateway path.
 */

const JWT_SECRET = 'edge-test-jwt-secret-with-at-least-32-characters';
const WEBHOOK_SECRET = 'edge-test-webhook-secret-0123456789';
const SUBMIT_WINDOW_MS = 1_500;
const TOOL_IDS = ['upscaler', 'pose-changer', 'veste-ai', 'video-upscaler'] as const;

interface Answer {
  status: number;
  headers: Headers;
  body: {
    job?: Job | null;
    jobs?: Job[];
    error?: { code: string; message: string; jobId?: string };
    [key: string]: unknown;
  } | null;
}

describeWith(
  'postgres',
  'the Supabase starter: edge function in Deno, supabase-js, PostgreSQL',
  () => {
    let fn: ServedFunction | undefined;
    let local: LocalSupabase | undefined;
    let project: Awaited<ReturnType<typeof starterProject>> | undefined;
    let sql: SqlClient;
    let base = '';
    const usersSeen = new Set<string>();

    const token = (sub: string, over: Record<string, unknown> = {}) => {
      usersSeen.add(sub);
      return signHs256Jwt(
        {
          sub,
          role: 'authenticated',
          aud: 'authenticated',
          exp: Math.floor(Date.now() / 1000) + 600,
          ...over,
        },
        JWT_SECRET,
      );
    };
    const serviceToken = () =>
      signHs256Jwt(
        { role: 'service_role', iss: 'supabase', exp: Math.floor(Date.now() / 1000) + 600 },
        JWT_SECRET,
      );
    const call = async (
      method: string,
      path: string,
      init: {
        token?: string | null;
        body?: unknown;
        raw?: BodyInit;
        headers?: Record<string, string>;
        direct?: boolean;
      } = {},
    ): Promise<Answer> => {
      const headers = new Headers(init.headers);
      if (init.token) headers.set('authorization', `Bearer ${init.token}`);
      let body = init.raw;
      if (init.body !== undefined) {
        body = JSON.stringify(init.body);
        headers.set('content-type', 'application/json');
      }
      const response = await fetch(`${init.direct ? `${fn!.url}/jobgate` : base}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body, duplex: 'half' }),
      } as RequestInit);
      const text = await response.text();
      let parsed: Answer['body'] = null;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        throw new Error(`not JSON (${response.status}): ${text.slice(0, 200)}`);
      }
      return { status: response.status, headers: response.headers, body: parsed };
    };
    const row = async (id: string) =>
      (await sql.query(`select * from jobgate_jobs where id = $1`, [id]))[0];
    /** Ends every active job of the users a test used, through the API (frees the slots). */
    const cleanup = async () => {
      for (const user of usersSeen) {
        const t = await token(user);
        for (let i = 0; i < 5; i++) {
          const active = await call('GET', '/jobs/active', { token: t });
          const job = active.body?.job;
          if (!job) break;
          await call('POST', `/jobs/${job.id}/cancel`, { token: t, body: { confirm: true } });
        }
      }
      usersSeen.clear();
    };
    const nonTerminal = async (users: readonly string[]) =>
      sql.query(
        `select id, status from jobgate_jobs where user_id = any($1::text[]) and status in ('starting','queued','running')`,
        [users],
      );

    beforeAll(async () => {
      project = await starterProject({ name: 'jobgate_starter', jwtSecret: JWT_SECRET });
      local = project.local;
      sql = local.db;
      fn = await serveFunction('jobgate', {
        SUPABASE_URL: local.url,
        SUPABASE_SERVICE_ROLE_KEY: local.serviceRoleKey,
        JOBGATE_JWT_SECRET: JWT_SECRET,
        JOBGATE_WEBHOOK_SECRET: WEBHOOK_SECRET,
        JOBGATE_SUBMIT_LIMIT: '5',
        JOBGATE_SUBMIT_WINDOW_MS: String(SUBMIT_WINDOW_MS),
        JOBGATE_SSE_PING_MS: '200',
        JOBGATE_SIMULATED_RUN_MS: '600000',
      });
      local.setFunction('jobgate', fn.url);
      base = `${local.url}/functions/v1/jobgate`;
    }, 120_000);

    afterEach(async () => {
      if (base) await cleanup();
    });

    afterAll(async () => {
      await fn?.stop();
      await project?.drop();
    });

    describe.each(TOOL_IDS)('tool %s', (tool) => {
      it('1. invalid input and rapid clicks: refused with a code, no row, never blocking, a retry runs', async () => {
        const user = randomUUID();
        const t = await token(user);
        const bad = await call('POST', '/jobs', {
          token: t,
          body: { jobId: randomUUID(), tool, input: invalidInputs[tool] },
        });
        expect(bad.status).toBe(400);
        expect(bad.body?.error?.code).toBe('VALIDATION');
        expect(await row(bad.body!.error!.jobId!)).toBeFalsy();
        // Rapid clicks: four more (five in the window), then a good one is over the limit.
        for (let i = 0; i < 4; i++) {
          await call('POST', '/jobs', {
            token: t,
            body: { jobId: randomUUID(), tool, input: invalidInputs[tool] },
          });
        }
        const limitedId = randomUUID();
        const limited = await call('POST', '/jobs', {
          token: t,
          body: { jobId: limitedId, tool, input: sampleInputs[tool] },
        });
        if (limited.status !== 429) {
          // The window rolled over mid-burst: the click ran. Not what this test checks.
          expect(limited.status).toBe(200);
          return;
        }
        expect(limited.body?.error).toMatchObject({ code: 'RATE_LIMITED', jobId: limitedId });
        expect(await row(limitedId)).toBeFalsy();
        expect(await nonTerminal([user])).toEqual([]);
        expect((await call('GET', '/jobs/active', { token: t })).body).toEqual({ job: null });
        await new Promise((r) => setTimeout(r, Number(limited.headers.get('retry-after')) * 1000));
        // The same click (same job id) runs once the window has passed.
        const retry = await call('POST', '/jobs', {
          token: t,
          body: { jobId: limitedId, tool, input: sampleInputs[tool] },
        });
        expect(retry.status).toBe(200);
        expect(retry.body?.job?.status).toBe('running');
      });

      it('2. three running → the 4th is queued at position 1, and runs when a slot frees', async () => {
        const users = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
        const ids = users.map(() => randomUUID());
        const answers: Answer[] = [];
        for (const [i, user] of users.entries()) {
          answers.push(
            await call('POST', '/jobs', {
              token: await token(user),
              body: { jobId: ids[i], tool, input: sampleInputs[tool] },
            }),
          );
        }
        expect(answers.map((a) => a.body?.job?.status)).toEqual([
          'running',
          'running',
          'running',
          'queued',
        ]);
        expect(answers[3]?.body?.job).toMatchObject({ waitedInQueue: true, position: 1 });
        const slots = await call('GET', '/slots', { token: await token(users[0]!) });
        expect(slots.body).toMatchObject({ cap: 3, running: 3, queued: 1 });
        // The provider's callback ends the first job; the queue head takes its slot.
        const first = await row(ids[0]!);
        const hook = await call(
          'POST',
          `/webhooks/simulated/${await webhookToken(WEBHOOK_SECRET, ids[0]!)}`,
          {
            body: { taskId: first?.task_id, state: 'completed', output: { files: ['o.png'] } },
          },
        );
        expect(hook.status).toBe(200);
        const fourth = await call('GET', `/jobs/${ids[3]}`, { token: await token(users[3]!) });
        expect(fourth.body?.job).toMatchObject({ status: 'running', waitedInQueue: true });
      });

      it('3. a phantom row of the old shape is healed by GET /jobs/active and stops blocking', async () => {
        const user = randomUUID();
        const t = await token(user);
        const phantom = randomUUID();
        await sql.query(
          `insert into jobgate_jobs (id, tool, user_id, status, waited_in_queue, position, task_id, user_credit_cost, created_at, updated_at)
         values ($1, $2, $3, 'queued', false, null, null, 0, now() - interval '60 seconds', now() - interval '60 seconds')`,
          [phantom, tool, user],
        );
        const active = await call('GET', '/jobs/active', { token: t });
        expect(active.body).toEqual({ job: null });
        expect(await row(phantom)).toMatchObject({
          status: 'cancelled',
          error_code: 'STALE_START',
        });
        const next = await call('POST', '/jobs', {
          token: t,
          body: { jobId: randomUUID(), tool, input: sampleInputs[tool] },
        });
        expect(next.status).toBe(200);
      });

      it('4. cancel: an unreal queued job freely, a real one only with confirm, never another user’s', async () => {
        const owner = randomUUID();
        const t = await token(owner);
        const unreal = randomUUID();
        await sql.query(
          `insert into jobgate_jobs (id, tool, user_id, status, created_at, updated_at)
         values ($1, $2, $3, 'queued', now(), now())`,
          [unreal, tool, owner],
        );
        const free = await call('POST', `/jobs/${unreal}/cancel`, { token: t, body: {} });
        expect(free.status).toBe(200);
        expect(free.body?.job?.status).toBe('cancelled');
        for (let i = 0; i < 3; i++) {
          await call('POST', '/jobs', {
            token: await token(randomUUID()),
            body: { jobId: randomUUID(), tool, input: sampleInputs[tool] },
          });
        }
        const id = randomUUID();
        const queued = await call('POST', '/jobs', {
          token: t,
          body: { jobId: id, tool, input: sampleInputs[tool] },
        });
        expect(queued.body?.job).toMatchObject({ status: 'queued', position: 1 });
        const stranger = await call('POST', `/jobs/${id}/cancel`, {
          token: await token(randomUUID()),
          body: { confirm: true },
        });
        expect(stranger.status).toBe(404);
        expect((await row(id))?.status).toBe('queued');
        const unconfirmed = await call('POST', `/jobs/${id}/cancel`, { token: t });
        expect(unconfirmed.status).toBe(409);
        expect(unconfirmed.body?.error?.code).toBe('CONFIRM_REQUIRED');
        expect((await row(id))?.status).toBe('queued');
        const confirmed = await call('POST', `/jobs/${id}/cancel`, {
          token: t,
          body: { confirm: true },
        });
        expect(confirmed.body?.job?.status).toBe('cancelled');
      });
    });

    it('bad input on every route: 4xx JSON, never 5xx, nothing left waiting', async () => {
      const user = randomUUID();
      const other = randomUUID();
      const t = await token(user);
      const foreignId = randomUUID();
      await call('POST', '/jobs', {
        token: await token(other),
        body: { jobId: foreignId, tool: 'veste-ai', input: sampleInputs['veste-ai'] },
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
      const cases: Array<[string, string, { body?: unknown; raw?: BodyInit }, number]> = [
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
        [
          'POST',
          '/jobs',
          { body: { jobId: foreignId, tool: 'veste-ai', input: sampleInputs['veste-ai'] } },
          404,
        ],
        ['POST', '/jobs', { raw: 'x'.repeat(200_000) }, 413],
        ['GET', `/jobs/${foreignId}`, {}, 404],
        ['GET', '/jobs/not-a-uuid', {}, 400],
        ['GET', `/jobs/${foreignId}/events`, {}, 404],
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
        const r = await call(method, path, { token: await token(caseUser), ...init });
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
        body: { jobId: id, tool: 'veste-ai', input: sampleInputs['veste-ai'] },
      });
      const response = await fetch(`${base}/jobs/${id}/events`, {
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
        body: { taskId: task, state: 'completed', output: { files: ['x.png'] } },
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
      const r = await fetch(`${base}/jobs`, {
        method: 'OPTIONS',
        headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
      });
      expect(r.status).toBe(204);
      expect(r.headers.get('access-control-allow-origin')).toBe('*');
      expect(r.headers.get('access-control-allow-headers')).toContain('authorization');
    });
  },
);
