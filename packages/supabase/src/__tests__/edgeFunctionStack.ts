import type { Job } from '@jobgate/core';
import { SAMPLE_FILE_NAMES, SAMPLE_MP4, SAMPLE_PNG, sampleInput } from '@jobgate/example-tools';
import type { SqlClient } from '@jobgate/postgres';
import { createClient } from '@supabase/supabase-js';
import { afterAll, afterEach, beforeAll } from 'vitest';
import {
  type ServedFunction,
  serveFunction,
} from '../../../../examples/supabase/local/serveFunction.ts';
import type { LocalSupabase } from '../local.js';
import { withNodeRealtime } from '../node.js';
import { signHs256Jwt } from '../signHs256Jwt.js';
import { supabaseFileStorage } from '../supabaseFileStorage.js';
import { STARTER_BUCKET, starterProject } from './starterProject.js';

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
type ToolId = (typeof TOOL_IDS)[number];
/** Credits each user of a test gets: billing is on, as a deployed function has it. */
const CREDITS = 100_000;

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
  const funded = new Set<string>();

  const token = async (sub: string, over: Record<string, unknown> = {}) => {
    usersSeen.add(sub);
    if (!funded.has(sub)) {
      funded.add(sub);
      await db.query(`select jobgate_credits_grant($1, 'monthly', $2)`, [sub, CREDITS]);
    }
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
  /**
   * A valid input of `tool` for one job of `userId`, its files uploaded first into the
   * project's Storage (as the browser's storageUploader would): real PNG / MP4 bytes.
   */
  const input = async (tool: ToolId, userId: string, jobId: string) => {
    const service = createClient(local!.url, local!.serviceRoleKey, {
      auth: { persistSession: false },
      ...withNodeRealtime(),
    });
    const files = supabaseFileStorage(service, { bucket: STARTER_BUCKET });
    const value = sampleInput(tool, { userId, jobId });
    for (const field of Object.keys(SAMPLE_FILE_NAMES[tool])) {
      const path = (value as Record<string, unknown>)[field] as string;
      const bytes = tool === 'video-upscaler' ? SAMPLE_MP4 : SAMPLE_PNG;
      await files.write(path, new Blob([bytes as Uint8Array<ArrayBuffer>]).stream(), {
        contentType: tool === 'video-upscaler' ? 'video/mp4' : 'image/png',
      });
    }
    return value;
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
      // The in-process simulation, by name: the tests end tasks with its callbacks.
      JOBGATE_PROVIDER: 'simulated',
      JOBGATE_STORAGE_BUCKET: STARTER_BUCKET,
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
    input,
    row,
    nonTerminal,
    /** The project's database, for checks and raw rows. */
    sql: { query: (text: string, params?: readonly unknown[]) => db.query(text, params) },
    /** The function's URL through the gateway. */
    baseUrl: () => base,
  };
}
