import type { JobGateError, JobRunner } from '@jobgate/core';
import type { AuthContext, Authenticator } from './authenticator.js';
import type { Logger } from './consoleLogger.js';
import type { CorsOptions } from './cors.js';
import type { StreamLimits } from './openStreams.js';
import type { RateLimiter, RateRule } from './rateLimiter.js';

/** The rate-limit buckets, each counted per user. */
export type RateBucket = 'submit' | 'cancel' | 'read' | 'events';

/** The first app's submit limit, "run 5/min" (examples/tools/README.md). Reads are generous; polling clients stay well below. */
export const DEFAULT_RATE_LIMITS: Readonly<Record<RateBucket, RateRule>> = {
  submit: { limit: 5, windowMs: 60_000 },
  cancel: { limit: 30, windowMs: 60_000 },
  read: { limit: 240, windowMs: 60_000 },
  events: { limit: 30, windowMs: 60_000 },
};

export interface JobHandlerOptions {
  runner: JobRunner;
  /** Who the caller is: the user id comes only from the verified token. */
  auth: Authenticator;
  /**
   * Per-user limits. Default: a `MemoryRateLimiter` of this process, which is right for one
   * instance; several instances need counts they share, kept in the database with
   * `counterRateLimiter(postgresRateCounter(client))` (@jobgate/postgres) or
   * `counterRateLimiter(supabaseRateCounter(serviceClient))` (@jobgate/supabase). `null`
   * switches every limit off.
   */
  rateLimiter?: RateLimiter | null;
  /** Override or switch off (`null`) the limit of a bucket. */
  rateLimits?: Partial<Record<RateBucket, RateRule | null>>;
  /** CORS for browsers. Default: any origin (bearer tokens, no cookies). `false` turns it off. */
  cors?: CorsOptions | false;
  /** Path prefix the routes live under, e.g. `/jobgate` for a Supabase function named jobgate. */
  basePath?: string;
  /**
   * Largest request body accepted, counted on the stream. Default 64 KiB
   * (`DEFAULT_MAX_BODY_BYTES`). A provider's callbacks are bounded by the provider's own
   * `maxWebhookBytes` instead (RunningHub: 1 MB), where it declares one.
   */
  maxBodyBytes?: number;
  /**
   * Server-sent events: ping interval, the polling fallback (see jobEventStream), and how many
   * may be open at once per user and per job, and for how long (see OpenStreams; defaults
   * 4, 2 and 10 min).
   */
  events?: { pingMs?: number; pollMs?: number | null } & Partial<StreamLimits>;
  /**
   * One deadline for everything a read route asks the store (GET routes, `POST /quote`): past
   * it the answer is 503 STORE_UNAVAILABLE, however many calls the route makes. Default 6 s.
   */
  readDeadlineMs?: number;
  /**
   * Who sees the whole queue on `GET /queue` (every user's jobs). Default: service
   * credentials only. E.g. `(who) => who.role === 'service' || who.claims?.role === 'operator'`.
   */
  isOperator?: (who: AuthContext) => boolean;
  /** Sees every error answer (5xx included) for logs. */
  onError?: (error: JobGateError, context: { method: string; path: string }) => void;
  /**
   * Where the details of server-side failures go (the database's own error text, causes),
   * under the request id the client sees. Default: the console.
   */
  logger?: Logger;
}

export type JobHandler = (request: Request) => Promise<Response>;
