import { JobGateError } from '@jobgate/core';

/** Reads one environment variable (`(name) => Deno.env.get(name)` in an edge function). */
export type Env = (name: string) => string | undefined;

/** The RunningHub account the environment names. */
export interface FunctionProviderConfig {
  kind: 'runninghub';
  apiKey: string;
  baseUrl?: string;
}

/** The providers `JOBGATE_PROVIDER` may name. */
export const FUNCTION_PROVIDERS = ['runninghub', 'simulated'] as const;

/** The edge function's configuration, every variable checked (README: "Environment"). */
export interface FunctionEnv {
  supabaseUrl: string;
  serviceKey: string;
  webhookSecret: string;
  /** Secrets still accepted while the webhook secret is rotated (docs/production.md). */
  previousWebhookSecrets: string[];
  schema: string;
  basePath: string;
  /** Where providers call back: the function's public URL. */
  publicUrl: string;
  /** Null when the caller brings its own provider (the simulation is always brought). */
  provider: FunctionProviderConfig | null;
  bucket: string;
  billing: boolean;
  globalCap: number;
  submitLimit: number;
  submitWindowMs: number;
  ssePingMs: number;
  corsOrigins: string[] | '*';
  jwtSecret?: string;
  jwksUrl: string;
}

/** A variable that is missing or wrong: named first, so the log of a failed start says what to set. */
function unset(name: string, why: string): JobGateError {
  return new JobGateError('INTERNAL', `set ${name}: ${why}`, { details: { variable: name } });
}

const BUCKET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/** An empty variable counts as unset (`supabase secrets set --env-file` keeps empty lines). */
const present =
  (read: Env): Env =>
  (name) =>
    read(name) || undefined;

/** A non-negative number, or `fallback` when unset; throws INTERNAL naming the variable. */
export function envNumber(read: Env, name: string, fallback: number): number {
  const raw = present(read)(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw unset(name, `a non-negative number (got "${raw}")`);
  }
  return value;
}

function envOneOf<T extends string>(read: Env, name: string, values: readonly T[], fallback: T): T {
  const given = present(read)(name);
  const raw = given?.trim().toLowerCase() ?? fallback;
  if (!(values as readonly string[]).includes(raw)) {
    throw unset(name, `one of ${values.join(', ')} (got "${given}")`);
  }
  return raw as T;
}

/**
 * The provider `JOBGATE_PROVIDER` names: `runninghub` (the default) or `simulated`, which only
 * a caller that brings the simulation honours (`@jobgate/supabase/function-simulated`).
 * Throws INTERNAL naming the variable for any other value.
 */
export function functionProviderName(read: Env): (typeof FUNCTION_PROVIDERS)[number] {
  return envOneOf(read, 'JOBGATE_PROVIDER', FUNCTION_PROVIDERS, 'runninghub');
}

/**
 * Reads and checks the function's environment at start-up, so a function with a missing or
 * wrong variable never serves a request (it fails closed: no silent simulation, no
 * unsigned callbacks). An empty variable counts as unset (`supabase secrets set --env-file`
 * keeps empty lines). Throws INTERNAL naming the variable.
 */
export function readFunctionEnv(
  read: Env,
  needs: { provider: boolean } = { provider: true },
): FunctionEnv {
  const env = present(read);
  const number = (name: string, fallback: number) => envNumber(read, name, fallback);

  const supabaseUrl = env('SUPABASE_URL');
  if (!supabaseUrl) throw unset('SUPABASE_URL', 'the project URL (Supabase sets it in a function)');
  if (!URL.canParse(supabaseUrl)) throw unset('SUPABASE_URL', 'a URL, e.g. https://….supabase.co');
  const serviceKey = env('SUPABASE_SERVICE_ROLE_KEY');
  if (!serviceKey) {
    throw unset(
      'SUPABASE_SERVICE_ROLE_KEY',
      'the service role key (Supabase sets it in a function)',
    );
  }
  const webhookSecret = env('JOBGATE_WEBHOOK_SECRET');
  if (!webhookSecret || webhookSecret.length < 16) {
    throw unset(
      'JOBGATE_WEBHOOK_SECRET',
      `a secret of 16 characters or more that signs the providers' callback URLs${
        webhookSecret ? ` (it has ${webhookSecret.length})` : ''
      }`,
    );
  }

  // During a rotation: the old secrets, comma-separated, still accepted for jobs in flight.
  const previousWebhookSecrets = (env('JOBGATE_WEBHOOK_SECRET_PREVIOUS') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const short = previousWebhookSecrets.find((s) => s.length < 16);
  if (short !== undefined) {
    throw unset(
      'JOBGATE_WEBHOOK_SECRET_PREVIOUS',
      'secrets of 16 characters or more, comma-separated',
    );
  }

  let provider: FunctionProviderConfig | null = null;
  if (needs.provider && functionProviderName(read) === 'simulated') {
    // The simulation is a test double: this module never loads it, its caller brings it.
    throw unset(
      'JOBGATE_PROVIDER',
      'runninghub here; simulated needs the simulation passed in as `provider` (simulatedProviderFromEnv of @jobgate/supabase/function-simulated, for local runs and checks only)',
    );
  }
  if (needs.provider) {
    const apiKey = env('RUNNINGHUB_API_KEY');
    if (!apiKey) {
      throw unset(
        'RUNNINGHUB_API_KEY',
        'the RunningHub API key jobs run with (JOBGATE_PROVIDER=simulated runs a simulation instead, for local runs only)',
      );
    }
    const baseUrl = env('RUNNINGHUB_BASE_URL');
    if (baseUrl !== undefined && !URL.canParse(baseUrl)) {
      throw unset('RUNNINGHUB_BASE_URL', 'a URL, or leave it unset for RunningHub itself');
    }
    provider = { kind: 'runninghub', apiKey, ...(baseUrl ? { baseUrl } : {}) };
  }

  const bucket = env('JOBGATE_STORAGE_BUCKET') ?? 'job-files';
  if (!BUCKET_NAME.test(bucket)) {
    throw unset('JOBGATE_STORAGE_BUCKET', `a Storage bucket name (got "${bucket}")`);
  }
  const basePath = env('JOBGATE_BASE_PATH') ?? '/jobgate';
  const publicUrl =
    env('JOBGATE_PUBLIC_URL') ?? `${supabaseUrl.replace(/\/+$/, '')}/functions/v1${basePath}`;
  if (!URL.canParse(publicUrl)) throw unset('JOBGATE_PUBLIC_URL', 'the function’s public URL');
  const jwtSecret = env('JOBGATE_JWT_SECRET');
  const origins = env('JOBGATE_CORS_ORIGINS');
  return {
    supabaseUrl,
    serviceKey,
    webhookSecret,
    previousWebhookSecrets,
    schema: env('JOBGATE_SCHEMA') ?? 'public',
    basePath,
    publicUrl,
    provider,
    bucket,
    billing: envOneOf(read, 'JOBGATE_BILLING', ['on', 'off'], 'on') === 'on',
    // The provider account's concurrency: RunningHub's first plan runs 3 tasks at once.
    globalCap: number('JOBGATE_GLOBAL_CAP', 3),
    submitLimit: number('JOBGATE_SUBMIT_LIMIT', 5),
    submitWindowMs: number('JOBGATE_SUBMIT_WINDOW_MS', 60_000),
    ssePingMs: number('JOBGATE_SSE_PING_MS', 15_000),
    corsOrigins: origins ? origins.split(',').map((o) => o.trim()) : '*',
    ...(jwtSecret ? { jwtSecret } : {}),
    jwksUrl: env('JOBGATE_JWKS_URL') ?? `${supabaseUrl}/auth/v1/.well-known/jwks.json`,
  };
}
