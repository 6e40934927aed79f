import {
  type AnyTool,
  type Billing,
  type FileStorage,
  JobRunner,
  type Provider,
} from '@jobgate/core';
import type { ToolRegistry } from '@jobgate/core/adapter';
import { PostgresBilling } from '@jobgate/postgres';
import { createRunningHubProvider } from '@jobgate/runninghub';
import { counterRateLimiter, createJobHandler, type JobHandler } from '@jobgate/server';
import { createClient } from '@supabase/supabase-js';
import { type Env, readFunctionEnv } from './functionEnv.js';
import { supabaseFileStorage } from './supabaseFileStorage.js';
import { supabaseJwtAuthenticator } from './supabaseJwtAuthenticator.js';
import { supabaseRateCounter } from './supabaseRateCounter.js';
import { SupabaseStore } from './supabaseStore.js';

export type { Env } from './functionEnv.js';

export interface SupabaseFunctionOptions {
  /** The app's tools: the whole registration. */
  tools: ToolRegistry | Iterable<AnyTool>;
  /** The function's environment; every variable is listed in this package's README. */
  env: Env;
  /**
   * A provider of your own, instead of RunningHub with `RUNNINGHUB_API_KEY`; neither that nor
   * `JOBGATE_PROVIDER` is read then. For `JOBGATE_PROVIDER=simulated` (local runs, checking a
   * deployment) pass `simulatedProviderFromEnv(env)` of `@jobgate/supabase/function-simulated`:
   * this entry never loads the simulation itself.
   */
  provider?: Provider;
  /** A file storage of your own, instead of Supabase Storage's `JOBGATE_STORAGE_BUCKET`. */
  storage?: FileStorage;
  /**
   * A credit ledger of your own, or `false` for none, instead of `PostgresBilling` over the
   * project's database (`JOBGATE_BILLING=off` turns that off too).
   */
  billing?: Billing | false;
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
 * state in the project's database through supabase-js (SupabaseStore, service role), the
 * job's files in a Storage bucket (`supabaseFileStorage`), credits charged and refunded in
 * the database (`PostgresBilling`), user JWTs verified in the function (project JWKS, or
 * `JOBGATE_JWT_SECRET` for HS256 projects), the per-user submit limit in the database,
 * provider callbacks on per-job tokens. It fails closed: a missing or wrong variable throws
 * at start-up (INTERNAL, naming it), and no provider account never means a simulation: that
 * takes `JOBGATE_PROVIDER=simulated` by name and the simulation passed in as `provider`
 * (`@jobgate/supabase/function-simulated` has it; without it this throws naming the variable).
 */
export function supabaseFunction(options: SupabaseFunctionOptions): SupabaseFunction {
  const config = readFunctionEnv(options.env, { provider: options.provider === undefined });
  const service = createClient(config.supabaseUrl, config.serviceKey, {
    auth: { persistSession: false, autoRefreshToken: false },
  });
  const { schema } = config;
  const store = new SupabaseStore({ client: service, schema });
  const provider =
    options.provider ??
    createRunningHubProvider({
      apiKey: config.provider!.apiKey,
      ...(config.provider!.baseUrl ? { baseUrl: config.provider!.baseUrl } : {}),
    });
  // The browser uploads a job's inputs into this bucket and jobgate keeps its results there.
  const storage = options.storage ?? supabaseFileStorage(service, { bucket: config.bucket });
  const billing =
    options.billing === undefined
      ? config.billing
        ? // Charges and refunds are `.rpc`s to the credit functions of @jobgate/postgres.
          new PostgresBilling(schema === 'public' ? service : service.schema(schema))
        : undefined
      : options.billing || undefined;
  const runner = new JobRunner({
    store,
    provider,
    tools: options.tools,
    storage,
    ...(billing ? { billing } : {}),
    policy: { globalCap: config.globalCap },
    // Callbacks reach the function at its public URL, on per-job tokens signed with the secret.
    webhook: {
      baseUrl: config.publicUrl,
      secret: config.webhookSecret,
      previousSecrets: config.previousWebhookSecrets,
    },
    // Serverless: no timers between requests; healing runs in requests and /maintenance.
    wakeTimers: false,
  });

  const auth = supabaseJwtAuthenticator({
    ...(config.jwtSecret ? { jwtSecret: config.jwtSecret } : {}),
    // Asymmetric signing keys (RS256/ES256) are checked against the project's JWKS.
    jwks: config.jwksUrl,
    // The function's own service key is the credential the pg_cron job sends to /maintenance:
    // accepted as is, whether a legacy service_role JWT or an opaque `sb_secret_…` key (any
    // other service_role JWT that verifies is accepted too).
    serviceKeys: [config.serviceKey],
  });

  const handler = createJobHandler({
    runner,
    auth,
    rateLimiter: counterRateLimiter(supabaseRateCounter(service)),
    rateLimits: {
      submit: { limit: config.submitLimit, windowMs: config.submitWindowMs },
    },
    basePath: config.basePath,
    cors: { origin: config.corsOrigins },
    events: { pingMs: config.ssePingMs },
    onError: (error, where) => {
      if (error.status >= 500) console.error(`${where.method} ${where.path}`, error);
    },
  });
  return { handler, runner, close: () => runner.close() };
}
