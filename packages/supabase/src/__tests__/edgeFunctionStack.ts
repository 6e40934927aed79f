import type { Job } from '@jobgate/core';
import type { SqlClient } from '@jobgate/postgres';
import { afterAll, afterEach, beforeAll } from 'vitest';
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
export const WEBHOOK_SECRET = 'edge-test-webhook-secret-0123456789';
const SUBMIT_WINDOW_MS = 1_500;
export const TOOL_IDS = ['upscaler', 'pose-changer', 'veste-ai', 'video-upscaler'] as const;

export interface Answer {
  status: number;
  headers: Headers;
  body: {
    job?: Job | null;
    jobs?: Job[];
    error?: { code: string; message: string; jobId?: string };
    [key: string]: unknown;
  } | null;
}

/**
 * Starts the stack for the enclosing describe (beforeAll/afterAll) and ends every test's
 * active jobs after it (afterEach); returns the helpers the tests call it with.
 */
export function edgeFunctionStack() {
  let fn: ServedFunction | undefined;
  let local: LocalSupabase | undefined;
  let project: Awaited<ReturnType<typeof starterProject>> | undefined;
  let db: SqlClient;
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
    (await db.query(`select * from jobgate_jobs where id = $1`, [id]))[0];
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
    db.query(
      `select id, status from jobgate_jobs where user_id = any($1::text[]) and status in ('starting','queued','running')`,
      [users],
    );

  beforeAll(async () => {
    project = await starterProject({ name: 'jobgate_starter', jwtSecret: JWT_SECRET });
    local = project.local;
    db = local.db;
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

  return {
    token,
    serviceToken,
    call,
    row,
    nonTerminal,
    /** The project's database, for checks and raw rows. */
    sql: { query: (text: string, params?: readonly unknown[]) => db.query(text, params) },
    /** The function's URL through the gateway. */
    baseUrl: () => base,
  };
}
