// The jobgate API as a Supabase Edge Function (Deno): the handler of @jobgate/server over the
// PostgreSQL store of @jobgate/postgres, with Supabase Auth tokens and a per-user rate limit
// kept in the database. Configuration comes from the environment (see README.md).

import postgres from 'npm:postgres@3.4.9';
import { JobRunner, type Provider, SimulatedProvider } from '@jobgate/core';
import { tools } from '@jobgate/example-tools';
import { PostgresStore, postgresJsClient } from '@jobgate/postgres';
import { createRunningHubProvider } from '@jobgate/runninghub';
import {
  createJobHandler,
  type JobHandler,
  SqlRateLimiter,
  supabaseJwtAuthenticator,
} from '@jobgate/server';

export type Env = (name: string) => string | undefined;

export interface App {
  handler: JobHandler;
  close(): Promise<void>;
}

function required(env: Env, ...names: string[]): string {
  for (const name of names) {
    const value = env(name);
    if (value) return value;
  }
  throw new Error(`set ${names.join(' or ')}`);
}

export function createApp(env: Env): App {
  // Supabase gives every function SUPABASE_DB_URL; use the transaction pooler (port 6543)
  // or a direct connection. Prepared statements are off so the pooler works.
  const sql = postgres(required(env, 'JOBGATE_DB_URL', 'SUPABASE_DB_URL'), {
    max: Number(env('JOBGATE_DB_POOL') ?? 4),
    prepare: false,
    onnotice: () => undefined,
  });
  const client = postgresJsClient(sql);
  const schema = env('JOBGATE_SCHEMA') ?? 'public';
  const store = new PostgresStore(client, { schema });

  const apiKey = env('RUNNINGHUB_API_KEY');
  const provider: Provider = apiKey
    ? createRunningHubProvider({ apiKey })
    : // No provider account configured: a simulated one (demo and tests).
      new SimulatedProvider({
        seed: 1,
        startLatencyMs: [0, 0],
        durationMs: [
          Number(env('JOBGATE_SIMULATED_RUN_MS') ?? 60_000),
          Number(env('JOBGATE_SIMULATED_RUN_MS') ?? 60_000),
        ],
      });

  const functionUrl = env('JOBGATE_PUBLIC_URL');
  const runner = new JobRunner({
    store,
    provider,
    tools,
    ...(functionUrl
      ? { webhook: { baseUrl: functionUrl, secret: required(env, 'JOBGATE_WEBHOOK_SECRET') } }
      : {}),
    // Serverless: no timers between requests; healing runs in requests and /maintenance.
    wakeTimers: false,
  });

  const jwks =
    env('JOBGATE_JWKS_URL') ??
    (env('SUPABASE_URL') ? `${env('SUPABASE_URL')}/auth/v1/.well-known/jwks.json` : undefined);
  const jwtSecret = env('JOBGATE_JWT_SECRET') ?? env('SUPABASE_JWT_SECRET');
  const serviceKey = env('SUPABASE_SERVICE_ROLE_KEY');
  const auth = supabaseJwtAuthenticator({
    ...(jwtSecret ? { jwtSecret } : {}),
    // Asymmetric signing keys (RS256/ES256) are checked against the project's JWKS.
    ...(jwks ? { jwks } : {}),
    ...(serviceKey && !serviceKey.includes('.') ? { serviceKeys: [serviceKey] } : {}),
  });

  const submitLimit = Number(env('JOBGATE_SUBMIT_LIMIT') ?? 5);
  const submitWindowMs = Number(env('JOBGATE_SUBMIT_WINDOW_MS') ?? 60_000);
  const handler = createJobHandler({
    runner,
    auth,
    rateLimiter: new SqlRateLimiter({ query: client, table: `${schema}.jobgate_rate_limits` }),
    rateLimits: { submit: { limit: submitLimit, windowMs: submitWindowMs } },
    basePath: env('JOBGATE_BASE_PATH') ?? '/jobgate',
    cors: { origin: env('JOBGATE_CORS_ORIGINS')?.split(',') ?? '*' },
    events: { pingMs: Number(env('JOBGATE_SSE_PING_MS') ?? 15_000) },
    onError: (error, where) => {
      if (error.status >= 500) console.error(`${where.method} ${where.path}`, error);
    },
  });
  return {
    handler,
    async close() {
      runner.close();
      await store.close();
    },
  };
}
