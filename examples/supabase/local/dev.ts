// The starter on this machine without the Supabase CLI: `npm run dev` (here) or
// `npm run dev:supabase` (repository root). A fresh database (in-memory PGlite, or on your
// PostgreSQL with DATABASE_URL) with the project's migrations and seed, a local stand-in for the
// Supabase APIs (with a stand-in of auth.users, so a sign-up gets its credits as on a project),
// the simulated RunningHub, the edge function in Deno, and the heal route called every
// minute.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type RunningHubSimulator, startRunningHubSimulator } from '@jobgate/runninghub/simulator';
import {
  applyMigrations,
  devUserId,
  type LocalSupabase,
  startLocalSupabase,
} from '@jobgate/supabase/local';
import postgres from 'postgres';
import {
  type AuthUsersGate,
  LOCAL_AUTH_USERS,
  recordUser,
  startAuthUsersGate,
} from './localAuthUsers.ts';
import { type ServedFunction, SUPABASE_DIR, serveFunction } from './serveFunction.ts';

export interface StarterOptions {
  /**
   * A PostgreSQL server (any database on it); the starter's database is created beside it.
   * Without one, an in-memory PGlite in this process (nothing to install; gone at stop).
   */
  databaseUrl?: string;
  /** Name of the database to (re)create on the server. Default `jobgate_starter`. */
  database?: string;
  /** Port of the Supabase stand-in (`SUPABASE_URL`). Default 54321, 0 = a free one. */
  port?: number;
  /** How long a simulated RunningHub task runs, [min, max] ms. */
  taskMs?: readonly [number, number];
  /** How often the heal route is called. Default 60 000 ms, like the pg_cron job. */
  maintenanceMs?: number;
  /** Port of the front end (Vite); default 5173, 0 = a free one, null = no front end. */
  webPort?: number | null;
}

export interface RunningStarter {
  /** `SUPABASE_URL` for the front end and for curl. */
  url: string;
  anonKey: string;
  /** The function's base URL: `{url}/functions/v1/jobgate`. */
  functionUrl: string;
  /** The front end, unless started without one. */
  webUrl: string | null;
  /** An access token for a user, as the sign-in would give it (a new user gets the grant). */
  token(email: string): Promise<string>;
  /** The local Supabase stand-in (its database, storage, Realtime deliveries). */
  project: LocalSupabase;
  /** The simulated RunningHub the function runs jobs on (its rates, its uploads). */
  simulator: RunningHubSimulator;
  stop(): Promise<void>;
}

/** Starts everything; `stop()` ends it and drops nothing (the next start recreates the database). */
export async function startStarter(options: StarterOptions): Promise<RunningStarter> {
  const databaseUrl = options.databaseUrl ? await freshDatabase(options) : undefined;
  const jwtSecret = randomBytes(32).toString('hex');

  let local: LocalSupabase | undefined;
  let gate: AuthUsersGate | undefined;
  let sim: RunningHubSimulator | undefined;
  let fn: ServedFunction | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  let web: { close(): Promise<void> } | undefined;
  const stop = async () => {
    if (timer) clearInterval(timer);
    await web?.close();
    await fn?.stop();
    await sim?.close();
    await gate?.close();
    await local?.close();
  };
  try {
    local = await startLocalSupabase({
      ...(databaseUrl ? { databaseUrl } : {}),
      jwtSecret,
      // The stand-in listens on a port of its own; SUPABASE_URL is the gate in front of it.
      port: 0,
      // Besides jobgate's jobs: the credit balance the page reads (and the ledger), under RLS.
      tables: ['jobgate_credit_balances', 'jobgate_credit_ledger'],
      // The bucket the migration creates: the jobs' inputs and results.
      buckets: ['job-files'],
    });
    const db = local.db;
    // Before the migrations, so the sign-up grant's trigger is created on it.
    await db.exec(LOCAL_AUTH_USERS);
    await applyMigrations(db, SUPABASE_DIR, { seed: true });
    gate = await startAuthUsersGate({
      target: local.url,
      port: options.port ?? 54321,
      onUser: (id, email) => recordUser(db, id, email),
    });
    sim = await startRunningHubSimulator({
      apiKeys: ['local-runninghub-key'],
      durationMs: options.taskMs ?? [4_000, 10_000],
    });
    const url = gate.url;
    const functionUrl = `${url}/functions/v1/jobgate`;
    fn = await serveFunction('jobgate', {
      // The function talks to the stand-in itself: no one signs up through it.
      SUPABASE_URL: local.url,
      SUPABASE_SERVICE_ROLE_KEY: local.serviceRoleKey,
      JOBGATE_JWT_SECRET: jwtSecret,
      JOBGATE_WEBHOOK_SECRET: randomBytes(24).toString('hex'),
      RUNNINGHUB_API_KEY: 'local-runninghub-key',
      RUNNINGHUB_BASE_URL: sim.url,
      // Files in Storage's `job-files` and credits in jobgate's ledger: the function's defaults.
    });
    local.setFunction('jobgate', fn.url);
    const service = local.serviceRoleKey;
    // What the pg_cron job does on a Supabase project.
    timer = setInterval(() => {
      void fetch(`${functionUrl}/heal`, {
        method: 'POST',
        headers: { authorization: `Bearer ${service}` },
      }).catch(() => undefined);
    }, options.maintenanceMs ?? 60_000);
    let webUrl: string | null = null;
    if (options.webPort !== null) {
      // The front end, as `vite` would serve it, pointed at this project.
      const { createServer } = await import('vite');
      const root = join(SUPABASE_DIR, '..', 'web');
      process.env.VITE_SUPABASE_URL = url;
      process.env.VITE_SUPABASE_ANON_KEY = local.anonKey;
      const vite = await createServer({
        root,
        configFile: join(root, 'vite.config.ts'),
        server: { port: options.webPort ?? 5173 },
        logLevel: 'warn',
      });
      web = vite;
      await vite.listen();
      webUrl = vite.resolvedUrls?.local[0]?.replace(/\/$/, '') ?? null;
    }
    const project = local;
    return {
      url,
      anonKey: project.anonKey,
      functionUrl,
      webUrl,
      token: async (email) => {
        const id = await devUserId(email);
        await recordUser(db, id, email);
        return project.userToken(id, email);
      },
      project,
      simulator: sim,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Like `supabase db reset`: the database dropped and created again (migrations come next). */
async function freshDatabase(options: StarterOptions): Promise<string> {
  const name = options.database ?? 'jobgate_starter';
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name "${name}"`);
  const admin = postgres(options.databaseUrl!, { max: 1, onnotice: () => undefined });
  try {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(options.databaseUrl!);
  url.pathname = `/${name}`;
  return url.toString();
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'database-url': { type: 'string' },
      database: { type: 'string' },
      port: { type: 'string' },
      'web-port': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(`npm run dev -- [--database-url <url>] [--database <name>] [--port <n>]

  --database-url  a PostgreSQL server (default DATABASE_URL; without either, PGlite in memory)
  --database      the database (re)created on it for the starter (default jobgate_starter)
  --port          port of the local Supabase stand-in (default 54321, 0 = any free port)
  --web-port      port of the front end (default 5173, 0 = any free port)
`);
    return;
  }
  const databaseUrl = values['database-url'] ?? process.env.DATABASE_URL;
  const starter = await startStarter({
    ...(databaseUrl ? { databaseUrl } : {}),
    ...(values.database ? { database: values.database } : {}),
    ...(values.port ? { port: Number(values.port) } : {}),
    ...(values['web-port'] ? { webPort: Number(values['web-port']) } : {}),
  });
  const token = await starter.token('alice@example.com');
  process.stdout.write(`
jobgate starter running (no Supabase CLI: a local stand-in for its APIs)

  database           ${databaseUrl ? `${values.database ?? 'jobgate_starter'} on your PostgreSQL (recreated at each start)` : 'PGlite, in memory (set DATABASE_URL to use a PostgreSQL server)'}
  front end          ${starter.webUrl}
  SUPABASE_URL       ${starter.url}
  anon key           ${starter.anonKey}
  function           ${starter.functionUrl}
  sign in            any e-mail and password: alice@example.com has 500 credits, bob@example.com
                     120, a new e-mail gets the sign-up grant of 300
  token for alice    ${token}

  curl -H "authorization: Bearer <token>" ${starter.functionUrl}/slots

Ctrl-C stops it.
`);
  const shutdown = () => {
    void starter.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
