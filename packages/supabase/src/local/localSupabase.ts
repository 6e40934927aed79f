import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { base64Url, hmacSha256 } from '@jobgate/core/adapter';
import { pgliteClient, postgresJsClient, type SqlClient } from '@jobgate/postgres';
import { toNodeListener } from '@jobgate/server/node';
import { SUPABASE_MIGRATION_NAME, supabaseMigration } from '../supabaseMigration.js';
import { fakePostgrest, verify } from './fakePostgrest.js';
import { fakeRealtime } from './fakeRealtime.js';
import { fakeStorage } from './fakeStorage.js';
import { functionsGateway, withCors } from './functionsGateway.js';

/**
 * What a Supabase project has before any migration and a plain PostgreSQL lacks: the
 * `anon`, `authenticated` and `service_role` roles and `auth.uid()` (from the request's JWT
 * claims, as PostgREST sets them). Idempotent.
 */
export const SUPABASE_BASICS = `
do $$ begin
  begin create role anon nologin noinherit; exception when duplicate_object then null; end;
  begin create role authenticated nologin noinherit; exception when duplicate_object then null; end;
  begin create role service_role nologin noinherit bypassrls; exception when duplicate_object then null; end;
end $$;
create schema if not exists auth;
create or replace function auth.uid() returns uuid language sql stable as $$
  select nullif(coalesce(current_setting('request.jwt.claim.sub', true),
                         current_setting('request.jwt.claims', true)::jsonb ->> 'sub'), '')::uuid
$$;
grant usage on schema auth to anon, authenticated, service_role;
grant usage on schema public to anon, authenticated, service_role;
`;

export interface LocalSupabaseOptions {
  /**
   * The PostgreSQL database to serve (it gets SUPABASE_BASICS; apply migrations yourself).
   * Without one, an in-memory PGlite (PostgreSQL in WebAssembly, in this process).
   */
  databaseUrl?: string;
  /** Signs and checks every token, like a project's legacy JWT secret (32+ characters). */
  jwtSecret: string;
  /** Port on 127.0.0.1; default a free one. */
  port?: number;
  /** The app's own tables readable through /rest/v1 (under RLS), besides jobgate's. */
  tables?: readonly string[];
  /**
   * Storage buckets. Default `['job-files']`: the bucket `supabaseFunction` uses unless
   * JOBGATE_STORAGE_BUCKET names another, and the one the starter's migration creates.
   */
  buckets?: readonly string[];
  /** Where `/functions/v1/{name}/…` goes, by function name (settable later). */
  functions?: Record<string, string>;
}

export interface LocalSupabase {
  /** The project URL (`SUPABASE_URL`). */
  readonly url: string;
  /** A JWT with role `anon` (the project's anon key). */
  readonly anonKey: string;
  /** A JWT with role `service_role` (the project's service role key). */
  readonly serviceRoleKey: string;
  /** The database (for migrations and checks): postgres.js, or PGlite without a URL. */
  readonly db: SqlClient;
  /** An access token for a user, as Supabase Auth would issue it. */
  userToken(userId: string, email?: string): Promise<string>;
  /** Sends `/functions/v1/{name}/…` to `url`. */
  setFunction(name: string, url: string): void;
  /** Keys (`bucket/path`) of the stored objects. */
  storageKeys(): string[];
  /** The job changes Realtime delivered so far (topic and job id). */
  realtimeDeliveries(): ReadonlyArray<{ topic: string; id: string }>;
  close(): Promise<void>;
}

const HOUR = 3600;
/** What @jobgate/supabase reads through PostgREST: jobs, the positions view, queue moves. */
const JOBGATE_TABLES = ['jobgate_jobs', 'jobgate_jobs_view', 'jobgate_queue_moves'];

/**
 * A Supabase project on a plain PostgreSQL, for development without the Supabase CLI (and for
 * the tests): PostgREST's `rpc` and selects under the JWT's role with RLS, Realtime
 * `postgres_changes`, Storage (private buckets, in memory), Auth's password sign-in for
 * ANY e-mail and password (a dev stand-in: never expose it), and `/functions/v1/*` passed on
 * to a function served elsewhere (Deno). Listens on 127.0.0.1 only.
 */
export async function startLocalSupabase(options: LocalSupabaseOptions): Promise<LocalSupabase> {
  const db = await openDatabase(options.databaseUrl);
  await db.exec(SUPABASE_BASICS);
  const now = () => Math.floor(Date.now() / 1000);
  const signJwt = async (claims: Record<string, unknown>) => {
    const enc = (v: unknown) => base64Url(new TextEncoder().encode(JSON.stringify(v)));
    const signed = `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc(claims)}`;
    return `${signed}.${await hmacSha256(options.jwtSecret, signed)}`;
  };
  const userToken = (sub: string, email?: string) =>
    signJwt({
      sub,
      role: 'authenticated',
      aud: 'authenticated',
      iss: 'supabase-local',
      ...(email ? { email } : {}),
      iat: now(),
      exp: now() + HOUR,
    });
  const anonKey = await signJwt({
    role: 'anon',
    iss: 'supabase-local',
    iat: now(),
    exp: now() + 10 * 365 * 24 * HOUR,
  });
  const serviceRoleKey = await signJwt({
    role: 'service_role',
    iss: 'supabase-local',
    iat: now(),
    exp: now() + 10 * 365 * 24 * HOUR,
  });
  const functions = new Map(Object.entries(options.functions ?? {}));
  const rest = fakePostgrest({
    client: db,
    jwtSecret: options.jwtSecret,
    tables: [...JOBGATE_TABLES, ...(options.tables ?? [])],
  });
  const storage = fakeStorage({
    jwtSecret: options.jwtSecret,
    buckets: options.buckets ?? ['job-files'],
  });

  const session = async (userId: string, email: string) => ({
    access_token: await userToken(userId, email),
    token_type: 'bearer',
    expires_in: HOUR,
    expires_at: now() + HOUR,
    // The refresh token is the e-mail: a stand-in, nothing to protect.
    refresh_token: base64Url(new TextEncoder().encode(email)),
    user: userOf(userId, email),
  });

  const auth = async (request: Request, url: URL): Promise<Response> => {
    const path = url.pathname.replace(/^\/auth\/v1/, '');
    // Sign-up and password sign-in are one: any e-mail gets a session at once (no confirmation).
    if ((path === '/token' || path === '/signup') && request.method === 'POST') {
      const body = (await request.json().catch(() => ({}))) as Record<string, unknown>;
      const grant = url.searchParams.get('grant_type');
      let email = String(body.email ?? '');
      if (grant === 'refresh_token') {
        try {
          email = new TextDecoder().decode(fromBase64Url(String(body.refresh_token ?? '')));
        } catch {
          email = '';
        }
      }
      if (!/^[^@\s]+@[^@\s]+$/.test(email)) {
        return json(400, {
          code: 400,
          error_code: 'validation_failed',
          msg: 'an e-mail is needed',
        });
      }
      return json(200, await session(await devUserId(email), email));
    }
    if (path === '/user' && request.method === 'GET') {
      const claims = await verify(request, options.jwtSecret);
      if (claims instanceof Response || !claims.sub)
        return json(401, { code: 401, msg: 'no user' });
      return json(200, userOf(String(claims.sub), String(claims.email ?? '')));
    }
    if (path === '/logout') return new Response(null, { status: 204 });
    return json(404, { code: 404, msg: `the local stand-in has no ${path}` });
  };

  const gateway = functionsGateway(functions);

  const handler = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    if (url.pathname.startsWith('/functions/v1/')) return gateway(request, url);
    if (request.method === 'OPTIONS') return withCors(new Response(null, { status: 204 }));
    let response: Response;
    if (url.pathname.startsWith('/rest/v1/')) response = await rest(request);
    else if (url.pathname.startsWith('/storage/v1/')) response = await storage(request);
    else if (url.pathname.startsWith('/auth/v1/')) response = await auth(request, url);
    else response = json(404, { error: `no route ${url.pathname}` });
    return withCors(response);
  };

  const server: Server = createServer(toNodeListener(handler));
  const realtime = await fakeRealtime({
    client: db,
    jwtSecret: options.jwtSecret,
    channel: 'jobgate_jobs',
    table: 'jobgate_jobs',
    server,
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    anonKey,
    serviceRoleKey,
    db,
    userToken,
    setFunction: (name, target) => functions.set(name, target),
    storageKeys: () => storage.keys(),
    realtimeDeliveries: () => realtime.deliveries,
    async close() {
      await realtime.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.close();
    },
  };
}

/**
 * Applies a Supabase project's `supabase/migrations/*.sql` in file-name order (what
 * `supabase db reset` does), then `supabase/seed.sql` when `seed` is true. Each file runs as
 * one multi-statement query. A project without a `*_jobgate.sql` of its own (the starter in
 * the jobgate repository, where it is not committed) gets jobgate's migration built from the
 * packages' sources ({@link supabaseMigration}) as `20260201000000_jobgate.sql`.
 */
export async function applyMigrations(
  db: SqlClient,
  supabaseDir: string,
  options: { seed?: boolean } = {},
): Promise<string[]> {
  const dir = join(supabaseDir, 'migrations');
  const files = new Map(
    readdirSync(dir)
      .filter((name) => name.endsWith('.sql'))
      .map((name) => [name, () => readFileSync(join(dir, name), 'utf8')] as const),
  );
  if (![...files.keys()].some((name) => name.endsWith('_jobgate.sql'))) {
    files.set(SUPABASE_MIGRATION_NAME, supabaseMigration);
  }
  const names = [...files.keys()].sort();
  for (const name of names) await db.exec(files.get(name)!());
  if (options.seed) await db.exec(readFileSync(join(supabaseDir, 'seed.sql'), 'utf8'));
  return names;
}

/** postgres.js on a URL, or an in-memory PGlite; each loaded only when used. */
async function openDatabase(url: string | undefined): Promise<SqlClient> {
  if (url) {
    const { default: postgres } = await import('postgres');
    return postgresJsClient(postgres(url, { max: 4, onnotice: () => undefined }));
  }
  const { PGlite } = await import('@electric-sql/pglite');
  return pgliteClient(await PGlite.create());
}

/** The user id the local sign-in gives an e-mail: stable, so seed data can name it. */
export async function devUserId(email: string): Promise<string> {
  const hash = new Uint8Array(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(email.toLowerCase())),
  );
  hash[6] = (hash[6]! & 0x0f) | 0x40;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = [...hash.slice(0, 16)].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function fromBase64Url(text: string): Uint8Array {
  return Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
}

function userOf(id: string, email: string) {
  return {
    id,
    aud: 'authenticated',
    role: 'authenticated',
    email,
    app_metadata: { provider: 'email' },
    user_metadata: {},
    created_at: new Date(0).toISOString(),
  };
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}
