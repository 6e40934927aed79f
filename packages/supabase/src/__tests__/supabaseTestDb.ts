import type { Job } from '@jobgate/core';
import { type JobRow, jobFromRow } from '@jobgate/core/adapter';
import { postgresJsClient } from '@jobgate/postgres';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import postgres from 'postgres';
import { fakePostgrest } from '../local/fakePostgrest.js';
import { SUPABASE_BASICS } from '../local/localSupabase.js';
import { supabaseMigration } from '../supabaseMigration.js';

export const DATABASE_URL = process.env.DATABASE_URL;
export const JWT_SECRET = 'super-secret-jwt-token-with-at-least-32-characters-long';
export const SUPABASE_URL = 'http://supabase.test';

export async function signJwt(claims: Record<string, unknown>): Promise<string> {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const signed = `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc(claims)}`;
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(JWT_SECRET),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const sig = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(signed));
  return `${signed}.${Buffer.from(sig).toString('base64url')}`;
}

const exp = () => Math.floor(Date.now() / 1000) + 3600;
export const serviceKey = () => signJwt({ role: 'service_role', iss: 'supabase', exp: exp() });
export const anonKey = () => signJwt({ role: 'anon', iss: 'supabase', exp: exp() });
export const userToken = (sub: string) =>
  signJwt({ sub, role: 'authenticated', aud: 'authenticated', exp: exp() });

/** A fresh database with Supabase's basics and the generated migration; dropped by `drop`. */
export async function createSupabaseTestDb(
  options: { publication?: boolean; migration?: string } = {},
) {
  if (!DATABASE_URL) throw new Error('DATABASE_URL is not set');
  const admin = postgres(DATABASE_URL, { max: 1, onnotice: () => undefined });
  const name = `jobgate_sb_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  await admin.unsafe(`create database ${name}`);
  const url = new URL(DATABASE_URL);
  url.pathname = `/${name}`;
  const sql = postgres(url.toString(), { max: 4, onnotice: () => undefined });
  try {
    await sql.unsafe(SUPABASE_BASICS);
    if (options.publication) await sql.unsafe('create publication supabase_realtime');
    await sql.unsafe(options.migration ?? supabaseMigration());
  } catch (error) {
    await sql.end();
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
    throw error;
  }
  const fetch = fakePostgrest({
    client: postgresJsClient(sql),
    jwtSecret: JWT_SECRET,
    tables: ['jobgate_jobs', 'jobgate_jobs_view'],
  });
  const client = async (token: string): Promise<SupabaseClient> =>
    createClient(SUPABASE_URL, await anonKey(), {
      global: { fetch, headers: { Authorization: `Bearer ${token}` } },
      auth: { persistSession: false, autoRefreshToken: false },
      realtime: { transport: NoWebSocket as never },
    });
  return {
    name,
    url: url.toString(),
    sql,
    fetch,
    client,
    async rows(): Promise<Job[]> {
      // Positions are computed when read: here independently of the view, from queue_seq.
      const rows = await sql<(JobRow & { queue_place: number | null })[]>`
        select j.*, q.rn::integer as queue_place from jobgate_jobs j
          left join (select id, row_number() over (partition by pool order by queue_seq) as rn
                       from jobgate_jobs
                      where status = 'queued' and waited_in_queue and queue_seq is not null) q
            on q.id = j.id
         order by j.row_seq`;
      return rows.map(({ queue_place, ...r }) =>
        jobFromRow({ ...r, position: queue_place === null ? null : Number(queue_place) }),
      );
    },
    async insertRow(job: Job): Promise<void> {
      const inQueue = job.status === 'queued' && job.waitedInQueue && job.position !== null;
      // "As is": an existing row is replaced.
      await sql`delete from jobgate_jobs where id = ${job.id}`;
      await sql`insert into jobgate_jobs (id, tool, user_id, pool, status, input, output,
          waited_in_queue, position, task_id, user_credit_cost, credit_state, error_code,
          error_message, progress, attempts, retry_at, created_at, queued_at, started_at,
          completed_at, updated_at, queue_seq)
        values (${job.id}, ${job.tool}, ${job.userId}, ${job.pool}, ${job.status},
          ${sql.json(job.input)}, ${job.output === null ? null : sql.json(job.output)},
          ${job.waitedInQueue}, ${job.position}, ${job.taskId}, ${job.userCreditCost},
          ${job.creditState}, ${job.errorCode}, ${job.errorMessage}, ${job.progress},
          ${job.attempts}, ${job.retryAt}, ${job.createdAt}, ${job.queuedAt}, ${job.startedAt},
          ${job.completedAt}, ${job.updatedAt},
          ${inQueue ? sql`nextval('jobgate_queue_seq')` : null})`;
    },
    async reset(): Promise<void> {
      await sql`truncate jobgate_jobs, jobgate_rate_limits`;
    },
    async drop(): Promise<void> {
      await sql.end();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

export type SupabaseTestDb = Awaited<ReturnType<typeof createSupabaseTestDb>>;

/** Realtime is not used by these clients; a stub keeps supabase-js from needing WebSocket. */
class NoWebSocket {
  constructor() {
    throw new Error('no WebSocket in this test');
  }
}
