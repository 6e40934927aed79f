import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Job, JobGateError, type Provider } from '@jobgate/core';
import { webhookToken } from '@jobgate/core/adapter';
import type { OutputFile } from '@jobgate/core/client';
import { SIMULATED_RESULT } from '@jobgate/core/testing';
import { SAMPLE_PNG, tools, uploadSampleInput } from '@jobgate/example-tools';
import { describeWith } from '@jobgate/testkit';
import { createClient } from '@supabase/supabase-js';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { supabaseFunction as supabaseFunctionByName } from '../functionSimulated.js';
import type { LocalSupabase } from '../local.js';
import { withNodeRealtime } from '../node.js';
import { supabaseFileStorage } from '../supabaseFileStorage.js';
import { type SupabaseFunction, supabaseFunction } from '../supabaseFunction.js';
import { starterProject } from './starterProject.js';

/** supabaseFunction reads its configuration from the environment, as Deno gives it. */
const JWT_SECRET = 'starter-test-jwt-secret-with-at-least-32-characters';
const WEBHOOK_SECRET = 'fn-env-webhook-secret-0123456789';

const envOf =
  (vars: Record<string, string | undefined>) =>
  (name: string): string | undefined =>
    vars[name];

/** What a deployed function has: the project's two variables and the app's two secrets. */
const DEPLOYED = {
  SUPABASE_URL: 'http://127.0.0.1:9',
  SUPABASE_SERVICE_ROLE_KEY: 'service-role-key',
  JOBGATE_WEBHOOK_SECRET: WEBHOOK_SECRET,
  RUNNINGHUB_API_KEY: 'runninghub-key',
};

/** The JSON answers these tests read. */
interface Answer {
  job: Job;
  files: OutputFile[];
  error: { code: string };
  report: unknown;
}

/** The start-up error of the factory for `vars`, or null when it started. */
function startError(
  vars: Record<string, string | undefined>,
  extra: { provider?: Provider } = {},
): JobGateError | null {
  try {
    supabaseFunction({ tools, env: envOf(vars), ...extra }).close();
    return null;
  } catch (error) {
    if (!(error instanceof JobGateError)) throw error;
    return error;
  }
}

describe('supabaseFunction fails closed at start-up', () => {
  beforeAll(async () => {
    // Deno (the function's runtime) has a WebSocket; Node 20 needs one for supabase-js.
    globalThis.WebSocket ??= (await import('ws')).WebSocket as unknown as typeof WebSocket;
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('starts with the project’s variables, the webhook secret and a RunningHub key: on RunningHub', () => {
    const fn = supabaseFunction({ tools, env: envOf(DEPLOYED) });
    expect(fn.runner.provider.id).toBe('runninghub');
    fn.close();
  });

  it.each(Object.keys(DEPLOYED))('refuses to start without %s, naming it', (name) => {
    for (const unset of [undefined, '']) {
      const error = startError({ ...DEPLOYED, [name]: unset });
      expect(error, `${name}=${JSON.stringify(unset)}`).toMatchObject({ code: 'INTERNAL' });
      expect(error?.message).toMatch(new RegExp(`^set ${name}: `));
      expect(error?.details).toEqual({ variable: name });
    }
  });

  it('refuses a webhook secret under 16 characters and variables with wrong values, naming each', () => {
    const short = startError({ ...DEPLOYED, JOBGATE_WEBHOOK_SECRET: 'fifteen-chars-x' });
    expect(short?.message).toMatch(/^set JOBGATE_WEBHOOK_SECRET: .*16 characters.*\(it has 15\)/);
    expect(startError({ ...DEPLOYED, JOBGATE_WEBHOOK_SECRET: 'sixteen-chars-xx' })).toBeNull();
    const wrong: Record<string, string> = {
      JOBGATE_PROVIDER: 'simulate',
      JOBGATE_BILLING: 'maybe',
      JOBGATE_GLOBAL_CAP: 'three',
      JOBGATE_SUBMIT_LIMIT: '-1',
      SUPABASE_URL: 'not a url',
      RUNNINGHUB_BASE_URL: 'nowhere',
      JOBGATE_STORAGE_BUCKET: 'a/b',
      JOBGATE_WEBHOOK_SECRET_PREVIOUS: 'short',
    };
    for (const [name, value] of Object.entries(wrong)) {
      const error = startError({ ...DEPLOYED, [name]: value });
      expect(error?.message, name).toMatch(new RegExp(`^set ${name}: `));
    }
  });

  it('JOBGATE_PROVIDER=simulated starts without a RunningHub key, on the simulation, with a warning', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const fn = supabaseFunctionByName({
      tools,
      env: envOf({ ...DEPLOYED, RUNNINGHUB_API_KEY: undefined, JOBGATE_PROVIDER: 'simulated' }),
    });
    expect(fn.runner.provider.id).toBe('simulated');
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/JOBGATE_PROVIDER=simulated/));
    fn.close();
  });

  it('a provider of the app’s own needs neither RUNNINGHUB_API_KEY nor JOBGATE_PROVIDER', () => {
    const own = { id: 'own' } as Provider;
    const fn = supabaseFunction({
      tools,
      env: envOf({ ...DEPLOYED, RUNNINGHUB_API_KEY: undefined }),
      provider: own,
    });
    expect(fn.runner.provider).toBe(own);
    fn.close();
  });
});

describeWith('postgres', 'supabaseFunction on the local Supabase stand-in', () => {
  let project: Awaited<ReturnType<typeof starterProject>> | undefined;
  let local: LocalSupabase;
  const started: SupabaseFunction[] = [];
  const start = (vars: Record<string, string | undefined>) => {
    const fn = supabaseFunctionByName({
      tools,
      env: envOf({
        SUPABASE_URL: local.url,
        SUPABASE_SERVICE_ROLE_KEY: local.serviceRoleKey,
        JOBGATE_WEBHOOK_SECRET: WEBHOOK_SECRET,
        JOBGATE_JWT_SECRET: JWT_SECRET,
        JOBGATE_PROVIDER: 'simulated',
        JOBGATE_SIMULATED_RUN_MS: '600000',
        ...vars,
      }),
    });
    started.push(fn);
    return fn;
  };
  const call = async (
    fn: SupabaseFunction,
    method: string,
    path: string,
    token: string | null,
    body?: unknown,
  ) => {
    const response = await fn.handler(
      new Request(`http://function.test/jobgate${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    );
    return { status: response.status, body: (await response.json()) as Answer };
  };
  /** A job's sample input, its files uploaded to the default bucket as the browser would. */
  const uploadInput = async (userId: string, jobId: string) => {
    const service = createClient(local.url, local.serviceRoleKey, {
      auth: { persistSession: false },
      ...withNodeRealtime(),
    });
    const files = supabaseFileStorage(service, { bucket: 'job-files' });
    const uploads: Array<{ path: string; data: Uint8Array }> = [];
    const input = uploadSampleInput(
      { put: (path, data) => uploads.push({ path, data }) },
      'upscaler',
      { userId, jobId },
    );
    for (const u of uploads) {
      await files.write(u.path, new Blob([u.data as Uint8Array<ArrayBuffer>]).stream(), {
        contentType: 'image/png',
        ifAbsent: true,
      });
    }
    return input;
  };
  const row = async (id: string) =>
    (
      await local.db.query(
        `select status, error_code, credit_state from jobgate_jobs where id = $1`,
        [id],
      )
    )[0];
  const balance = async (userId: string) =>
    (
      await local.db.query<{ total: number }>(
        `select coalesce(sum(amount), 0)::int as total from jobgate_credit_balances where user_id = $1`,
        [userId],
      )
    )[0]?.total;

  beforeAll(async () => {
    globalThis.WebSocket ??= (await import('ws')).WebSocket as unknown as typeof WebSocket;
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    project = await starterProject({ name: 'jobgate_fnenv', jwtSecret: JWT_SECRET });
    local = project.local;
  }, 60_000);

  afterAll(async () => {
    for (const fn of started) fn.close();
    vi.restoreAllMocks();
    await project?.drop();
  });

  it('a job’s inputs are read from the bucket, its result stored there and signed, its credits charged', async () => {
    const fn = start({});
    const user = randomUUID();
    const jobId = randomUUID();
    await local.db.query(`select jobgate_credits_grant($1, 'monthly', 500)`, [user]);
    const input = await uploadInput(user, jobId);
    const token = await local.userToken(user);
    const submitted = await call(fn, 'POST', '/jobs', token, { jobId, tool: 'upscaler', input });
    expect(submitted.status).toBe(200);
    expect(submitted.body.job.status).toBe('running');
    const cost = submitted.body.job.userCreditCost;
    expect(cost).toBeGreaterThan(0);
    expect(await balance(user)).toBe(500 - cost);
    const job = await fn.runner.store.get(jobId);
    expect(job?.taskId).toEqual(expect.any(String));
    const hook = await call(
      fn,
      'POST',
      `/webhooks/simulated/${await webhookToken(WEBHOOK_SECRET, jobId)}`,
      null,
      { taskId: job?.taskId, state: 'completed', output: { files: [SIMULATED_RESULT] } },
    );
    expect(hook.status).toBe(200);
    expect((await call(fn, 'GET', `/jobs/${jobId}`, token)).body.job.status).toBe('completed');
    expect(local.storageKeys()).toContain(`job-files/upscaler/${user}/${jobId}/output-1.png`);
    const listed = await call(fn, 'GET', `/jobs/${jobId}/files`, token);
    expect(listed.body.files).toMatchObject([
      { path: `upscaler/${user}/${jobId}/output-1.png`, contentType: 'image/png' },
    ]);
    const result = await fetch(listed.body.files[0]!.url);
    expect(new Uint8Array(await result.arrayBuffer())).toEqual(SAMPLE_PNG);
  });

  it('billing is on by default (no credits: 402, the job failed uncharged) and JOBGATE_BILLING=off turns it off', async () => {
    const user = randomUUID();
    const token = await local.userToken(user);
    const submit = async (fn: SupabaseFunction) => {
      const jobId = randomUUID();
      const input = await uploadInput(user, jobId);
      const answer = await call(fn, 'POST', '/jobs', token, { jobId, tool: 'upscaler', input });
      return { jobId, answer };
    };
    const charged = await submit(start({}));
    expect(charged.answer.status).toBe(402);
    expect(charged.answer.body.error.code).toBe('INSUFFICIENT_CREDITS');
    // Recorded as failed, never holding a slot, nothing charged (docs/credits.md).
    expect(await row(charged.jobId)).toEqual({
      status: 'failed',
      error_code: 'INSUFFICIENT_CREDITS',
      credit_state: 'none',
    });
    const free = await submit(start({ JOBGATE_BILLING: 'off' }));
    expect(free.answer.status).toBe(200);
    expect(free.answer.body.job.status).toBe('running');
    expect((await row(free.jobId))?.credit_state).toBe('none');
  });

  it('the function’s own service key opens /maintenance even when no JWT can be verified', async () => {
    // No JOBGATE_JWT_SECRET and a JWKS with no keys: no JWT verifies here (a project whose
    // service key is a legacy JWT but whose user tokens use new signing keys).
    const jwks = startJwks();
    const fn = start({ JOBGATE_JWT_SECRET: undefined, JOBGATE_JWKS_URL: await jwks.url });
    try {
      const maintenance = (token: string) => call(fn, 'POST', '/maintenance', token);
      const ok = await maintenance(local.serviceRoleKey);
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ report: { healed: [] } });
      expect((await maintenance(await local.userToken(randomUUID()))).status).toBe(401);
      expect((await maintenance(`${local.serviceRoleKey}x`)).status).toBe(401);
    } finally {
      await jwks.close();
    }
  });
});

/** A JWKS endpoint that publishes no keys. */
function startJwks() {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"keys":[]}');
  });
  const url = new Promise<string>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`),
    ),
  );
  return {
    url,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
