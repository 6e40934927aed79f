import {
  type AnyTool,
  JobGateError,
  JobRunner,
  type Provider,
  type ToolRegistry,
} from '@jobgate/core';
import { SimulatedProvider } from '@jobgate/core/testing';
import { createRunningHubProvider } from '@jobgate/runninghub';
import { counterRateLimiter, createJobHandler, type JobHandler } from '@jobgate/server';
import { createClient } from '@supabase/supabase-js';
import { supabaseJwtAuthenticator } from './supabaseJwtAuthenticator.js';
import { supabaseRateCounter } from './supabaseRateCounter.js';
import { SupabaseStore } from './supabaseStore.js';

/** Reads one environment variable (`(name) => Deno.env.get(name)` in an edge function). */
export type Env = (name: string) => string | undefined;

export interface SupabaseFunctionOptions {
  /** The app's tools: the whole registration. */
  tools: ToolRegistry | Iterable<AnyTool>;
  /** The function's environment; the variables are listed in docs/supabase.md. */
  env: Env;
  /** A provider of your own; default RunningHub when `RUNNINGHUB_API_KEY` is set, else simulated. */
  provider?: Provider;
}

export interface SupabaseFunction {
  /** The fetch handler: `Deno.serve(fn.handler)`. */
  handler: JobHandler;
  runner: JobRunner;
  close(): void;
}

/**
 * The jobgate API as one Supabase Edge Function, configured from the environment Supabase
 * gives every function (`SUPABASE_URL`, `SUPABASE_SERVICE_ROLE_KEY`) plus the app's secrets:
 * state in the project's database through supabase-js (SupabaseStore, service role), user
 * JWTs verified in the function (project JWKS, or `JOBGATE_JWT_SECRET` for HS256 projects),
 * the per-user submit limit in the database, RunningHub callbacks on per-job tokens.
 */
export function supabaseFunction(options: SupabaseFunctionOptions): SupabaseFunction {
  // An empty variable counts as unset (`supabase secrets set --env-file` keeps empty lines).
  const env: Env = (name) => options.env(name) || undefined;
  const number = (name: string, fallback: number) => {
    const raw = env(name);
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) {
      throw new JobGateError('INTERNAL', `${name} must be a non-negative number, got "${raw}"`);
    }
    return value;
  };
  const supabaseUrl = required(env, 'SUPABASE_URL');
  const serviceKey = required(env, 'SUPABASE_SERVICE_ROLE_KEY');
  const service = createClient(supabaseUrl, serviceKey, {
    auth: { persistSession: false, autoRefreshToken: false },
  });
  const schema = env('JOBGATE_SCHEMA') ?? 'public';
  const store = new SupabaseStore({ client: service, schema });

  const runMs = number('JOBGATE_SIMULATED_RUN_MS', 60_000);
  const apiKey = env('RUNNINGHUB_API_KEY');
  const provider =
    options.provider ??
    (apiKey
      ? createRunningHubProvider({
          apiKey,
          ...(env('RUNNINGHUB_BASE_URL') ? { baseUrl: env('RUNNINGHUB_BASE_URL') } : {}),
        })
      : // No provider account: an in-process simulation (local runs and tests).
        new SimulatedProvider({ seed: 1, startLatencyMs: [0, 0], durationMs: [runMs, runMs] }));

  const basePath = env('JOBGATE_BASE_PATH') ?? '/jobgate';
  const webhookSecret = env('JOBGATE_WEBHOOK_SECRET');
  if (webhookSecret !== undefined && webhookSecret.length < 16) {
    throw new JobGateError('INTERNAL', 'JOBGATE_WEBHOOK_SECRET needs 16 characters or more');
  }
  // Callbacks reach the function at its public URL; without a secret the maintenance route's
  // provider polling is the only way a job learns it ended.
  const publicUrl =
    env('JOBGATE_PUBLIC_URL') ?? `${supabaseUrl.replace(/\/+$/, '')}/functions/v1${basePath}`;
  const runner = new JobRunner({
    store,
    provider,
    tools: options.tools,
    // The provider account's concurrency: RunningHub's first plan runs 3 tasks at once.
    policy: { globalCap: number('JOBGATE_GLOBAL_CAP', 3) },
    ...(webhookSecret ? { webhook: { baseUrl: publicUrl, secret: webhookSecret } } : {}),
    // Serverless: no timers between requests; healing runs in requests and /maintenance.
    wakeTimers: false,
  });

  const jwtSecret = env('JOBGATE_JWT_SECRET');
  const jwks = env('JOBGATE_JWKS_URL') ?? `${supabaseUrl}/auth/v1/.well-known/jwks.json`;
  const auth = supabaseJwtAuthenticator({
    ...(jwtSecret ? { jwtSecret } : {}),
    // Asymmetric signing keys (RS256/ES256) are checked against the project's JWKS.
    jwks,
    // The function's own service key is the credential the pg_cron job sends to /maintenance:
    // accepted as is, whether a legacy service_role JWT or an opaque `sb_secret_…` key (any
    // other service_role JWT that verifies is accepted too).
    serviceKeys: [serviceKey],
  });

  const handler = createJobHandler({
    runner,
    auth,
    rateLimiter: counterRateLimiter(supabaseRateCounter(service)),
    rateLimits: {
      submit: {
        limit: number('JOBGATE_SUBMIT_LIMIT', 5),
        windowMs: number('JOBGATE_SUBMIT_WINDOW_MS', 60_000),
      },
    },
    basePath,
    cors: { origin: env('JOBGATE_CORS_ORIGINS')?.split(',') ?? '*' },
    events: { pingMs: number('JOBGATE_SSE_PING_MS', 15_000) },
    onError: (error, where) => {
      if (error.status >= 500) console.error(`${where.method} ${where.path}`, error);
    },
  });
  return { handler, runner, close: () => runner.close() };
}

function required(env: Env, name: string): string {
  const value = env(name);
  if (!value) throw new JobGateError('INTERNAL', `set ${name}`);
  return value;
}
