import {
  DEFAULT_POOL,
  type ErrorCode,
  type Job,
  JobGateError,
  type JobRunner,
  jobIdSchema,
  toJobGateError,
} from '@jobgate/core';
import { z } from 'zod';
import type { AuthContext, Authenticator } from './authenticator.js';
import { type CorsOptions, createCors } from './cors.js';
import { jobEventStream } from './jobEventStream.js';
import { errorResponse, jsonResponse } from './jsonResponse.js';
import { queueView } from './queueView.js';
import type { RateLimiter, RateRule } from './rateLimiter.js';
import { DEFAULT_MAX_BODY_BYTES, readBodyBytes, readJsonBody } from './readJsonBody.js';

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
  /** Per-user limits (kept in the database with SqlRateLimiter). None if omitted. */
  rateLimiter?: RateLimiter;
  /** Override or switch off (`null`) the limit of a bucket. */
  rateLimits?: Partial<Record<RateBucket, RateRule | null>>;
  /** CORS for browsers. Default: any origin (bearer tokens, no cookies). `false` turns it off. */
  cors?: CorsOptions | false;
  /** Path prefix the routes live under, e.g. `/jobgate` for a Supabase function named jobgate. */
  basePath?: string;
  /** Largest request body accepted, counted on the stream. Default 64 KiB. */
  maxBodyBytes?: number;
  /** Server-sent events: ping interval and the polling fallback (see jobEventStream). */
  events?: { pingMs?: number; pollMs?: number | null };
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

/** The server log: one entry per failed request, with its request id. */
export interface Logger {
  error(message: string, fields: Record<string, unknown>): void;
}

/** console.error, one line per entry. */
export const consoleLogger: Logger = {
  error: (message, fields) => console.error(`[jobgate] ${message}`, fields),
};

/** Codes whose own message may carry internals (a driver's text): the client gets a plain one. */
const PLAIN_MESSAGES: Partial<Record<ErrorCode, string>> = {
  INTERNAL: 'something went wrong on the server; the details are in its log',
  STORAGE_ERROR: 'the server could not read or write its data; try again',
  STORE_UNAVAILABLE: 'the database is not answering; try again shortly',
};

export type JobHandler = (request: Request) => Promise<Response>;

const submitSchema = z.object({
  jobId: jobIdSchema,
  tool: z.string().min(1).max(64),
  input: z.unknown(),
});
const cancelSchema = z.object({ confirm: z.boolean().optional() }).optional();
const POOL = /^[A-Za-z0-9_-]{1,64}$/;

interface RouteContext {
  request: Request;
  params: string[];
  url: URL;
}

type RouteFn = (ctx: RouteContext) => Promise<Response>;

/**
 * The jobgate HTTP API as one fetch handler (Request → Response): mount it in `Deno.serve`
 * (Supabase Edge Functions), Bun.serve, or Node through `@jobgate/server/node`.
 *
 * The guard on every route: CORS and preflight, authentication, a per-user rate limit, a
 * bounded, safe JSON body, zod validation, errors as
 * `{ error: { code, message, jobId?, requestId } }` with the status of the code (internals
 * go to the logger, never to the client). POST /jobs checks the job id first: a repeated id
 * is answered with that job as it is, before any limit, so a refused duplicate never touches
 * the original. A refused request writes no row; a job the request created is terminal
 * before an error answer (the runner's fail-safe), so no request can leave a job waiting.
 */
export function createJobHandler(options: JobHandlerOptions): JobHandler {
  const { runner, auth } = options;
  const cors = createCors(options.cors);
  const basePath = normaliseBase(options.basePath ?? '');
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const limits = { ...DEFAULT_RATE_LIMITS, ...options.rateLimits };
  const logger = options.logger ?? consoleLogger;

  const authenticate = async (request: Request): Promise<AuthContext> => {
    try {
      return await auth.authenticate(request);
    } catch (error) {
      const err = toJobGateError(error, 'UNAUTHENTICATED');
      // An authenticator that crashed is not the caller's fault, but never lets them in.
      throw err.code === 'UNAUTHENTICATED' || err.code === 'FORBIDDEN'
        ? err
        : new JobGateError('UNAUTHENTICATED', 'the credentials could not be verified', {
            cause: error,
          });
    }
  };
  const requireUser = async (request: Request): Promise<string> => {
    const who = await authenticate(request);
    if (who.role !== 'user' || !who.userId) {
      throw new JobGateError('FORBIDDEN', 'this route is for signed-in users');
    }
    return who.userId;
  };
  const limit = async (bucket: RateBucket, userId: string): Promise<void> => {
    const rule = limits[bucket];
    if (!options.rateLimiter || !rule) return;
    const decision = await options.rateLimiter.hit(`${bucket}:${userId}`, rule, runner.clock.now());
    if (!decision.allowed) {
      throw new JobGateError(
        'RATE_LIMITED',
        `too many requests: at most ${rule.limit} per ${Math.round(rule.windowMs / 1000)} s`,
        { retryAfterMs: decision.retryAfterMs },
      );
    }
  };
  const pathJobId = (raw: string | undefined): string => {
    if (raw === undefined || !jobIdSchema.safeParse(raw).success) {
      throw new JobGateError('VALIDATION', 'the job id must be a UUID');
    }
    return raw;
  };
  /** A job of the caller's; a foreign one is indistinguishable from a missing one. */
  const ownJob = async (jobId: string, userId: string): Promise<Job> => {
    try {
      return await runner.get(jobId, userId);
    } catch (error) {
      throw toJobGateError(error, 'INTERNAL');
    }
  };

  const submit: RouteFn = async ({ request }) => {
    const userId = await requireUser(request);
    const body = await readJsonBody(request, maxBodyBytes);
    const raw = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const jobId =
      typeof raw.jobId === 'string' && jobIdSchema.safeParse(raw.jobId).success
        ? raw.jobId
        : undefined;
    try {
      // Idempotency first: a repeated id (a double click, a retry) is answered with the job as
      // it is, whatever the limits say now; nothing of it changes.
      if (jobId !== undefined) {
        const existing = await runner.find(jobId, userId);
        if (existing) return jsonResponse({ job: existing });
      }
      await limit('submit', userId);
      const parsed = submitSchema.safeParse(body);
      if (!parsed.success) throw validation(parsed.error);
      const job = await runner.submit({ ...parsed.data, userId });
      return jsonResponse({ job });
    } catch (error) {
      throw toJobGateError(error, 'INTERNAL', jobId);
    }
  };

  const active: RouteFn = async ({ request }) => {
    const userId = await requireUser(request);
    await limit('read', userId);
    return jsonResponse({ job: await runner.active(userId) });
  };

  const getJob: RouteFn = async ({ request, params }) => {
    const userId = await requireUser(request);
    await limit('read', userId);
    const jobId = pathJobId(params[0]);
    return jsonResponse({ job: await ownJob(jobId, userId) });
  };

  const cancel: RouteFn = async ({ request, params }) => {
    const userId = await requireUser(request);
    const jobId = pathJobId(params[0]);
    await limit('cancel', userId);
    const body = await readJsonBody(request, maxBodyBytes);
    const parsed = cancelSchema.safeParse(body);
    if (!parsed.success) throw validation(parsed.error);
    const job = await runner.cancel({ jobId, userId, confirm: parsed.data?.confirm === true });
    return jsonResponse({ job });
  };

  const cancelSession: RouteFn = async ({ request }) => {
    const userId = await requireUser(request);
    await limit('cancel', userId);
    await readJsonBody(request, maxBodyBytes);
    return jsonResponse({ jobs: await runner.cancelSession(userId) });
  };

  const slots: RouteFn = async ({ request, url }) => {
    const userId = await requireUser(request);
    await limit('read', userId);
    const pool = url.searchParams.get('pool');
    if (pool !== null && !POOL.test(pool)) {
      throw new JobGateError('VALIDATION', 'pool must be 1–64 letters, digits, - or _');
    }
    return jsonResponse(await runner.slots(pool ?? undefined));
  };

  const queue: RouteFn = async ({ request, url }) => {
    const who = await authenticate(request);
    const operator = (options.isOperator ?? isService)(who);
    if (!operator && (who.role !== 'user' || !who.userId)) {
      throw new JobGateError('FORBIDDEN', 'this route is for signed-in users and operators');
    }
    await limit('read', who.userId ?? 'service');
    const pool = url.searchParams.get('pool') ?? DEFAULT_POOL;
    if (!POOL.test(pool)) {
      throw new JobGateError('VALIDATION', 'pool must be 1–64 letters, digits, - or _');
    }
    return jsonResponse(await queueView(runner, pool, operator ? null : who.userId));
  };

  const events: RouteFn = async ({ request, params }) => {
    const userId = await requireUser(request);
    await limit('events', userId);
    const jobId = pathJobId(params[0]);
    const job = await ownJob(jobId, userId);
    const stream = jobEventStream({
      runner,
      job,
      signal: request.signal,
      ...(options.events?.pingMs === undefined ? {} : { pingMs: options.events.pingMs }),
      ...(options.events?.pollMs === undefined ? {} : { pollMs: options.events.pollMs }),
    });
    return new Response(stream, {
      status: 200,
      headers: {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      },
    });
  };

  const webhook: RouteFn = async ({ request, params }) => {
    const [provider, token] = params;
    if (provider !== runner.provider.id || !token) {
      throw new JobGateError('NOT_FOUND', 'no such webhook');
    }
    const bytes = await readBodyBytes(request, maxBodyBytes);
    const copy = new Request(request.url, {
      method: 'POST',
      headers: request.headers,
      body: bytes.byteLength > 0 ? (bytes as BodyInit) : null,
    });
    try {
      await runner.handleWebhook(token, copy);
    } catch (error) {
      const err = toJobGateError(error, 'VALIDATION');
      // A provider must not learn whether a job exists from a forged token.
      throw err.code === 'NOT_FOUND' ? withoutJob(err) : err;
    }
    return jsonResponse({ ok: true });
  };

  const maintenance: RouteFn = async ({ request }) => {
    const who = await authenticate(request);
    if (who.role !== 'service') {
      throw new JobGateError('FORBIDDEN', 'maintenance needs service credentials');
    }
    await readJsonBody(request, maxBodyBytes);
    return jsonResponse({ report: await runner.heal() });
  };

  const routes: Array<{ method: string; pattern: RegExp; run: RouteFn }> = [
    { method: 'POST', pattern: /^\/jobs$/, run: submit },
    { method: 'GET', pattern: /^\/jobs\/active$/, run: active },
    { method: 'POST', pattern: /^\/jobs\/cancel-session$/, run: cancelSession },
    { method: 'GET', pattern: /^\/jobs\/([^/]+)\/events$/, run: events },
    { method: 'POST', pattern: /^\/jobs\/([^/]+)\/cancel$/, run: cancel },
    { method: 'GET', pattern: /^\/jobs\/([^/]+)$/, run: getJob },
    { method: 'GET', pattern: /^\/slots$/, run: slots },
    { method: 'GET', pattern: /^\/queue$/, run: queue },
    { method: 'POST', pattern: /^\/webhooks\/([^/]+)\/([^/]+)$/, run: webhook },
    { method: 'POST', pattern: /^\/maintenance$/, run: maintenance },
  ];

  return async (request: Request): Promise<Response> => {
    let path = '';
    let response: Response;
    try {
      const url = new URL(request.url);
      path = stripBase(url.pathname, basePath);
      if (request.method === 'OPTIONS') {
        response = cors.preflight(request);
      } else {
        const method = request.method === 'HEAD' ? 'GET' : request.method;
        let matched: { run: RouteFn; params: string[] } | null = null;
        let pathKnown = false;
        for (const route of routes) {
          const m = route.pattern.exec(path);
          if (!m) continue;
          pathKnown = true;
          if (route.method === method) {
            matched = { run: route.run, params: m.slice(1).map(safeDecode) };
            break;
          }
        }
        if (!matched) {
          throw new JobGateError(
            'NOT_FOUND',
            pathKnown ? `${request.method} is not allowed here` : 'no such route',
          );
        }
        response = await matched.run({ request, params: matched.params, url });
      }
    } catch (error) {
      const caught = toJobGateError(error, 'INTERNAL');
      // A missing job and someone else's look the same: a 404 never names a job.
      const err = caught.code === 'NOT_FOUND' ? withoutJob(caught) : caught;
      options.onError?.(err, { method: request.method, path });
      const requestId = crypto.randomUUID();
      const plain = PLAIN_MESSAGES[err.code];
      if (err.status >= 500) {
        logger.error(`${request.method} ${path} failed: ${err.code}`, {
          requestId,
          code: err.code,
          message: err.message,
          jobId: err.jobId,
          cause: describeCause(err.cause),
        });
      }
      response = errorResponse(err, { requestId, ...(plain ? { message: plain } : {}) });
    }
    const headers = cors.headers(request);
    if ([...headers.keys()].length === 0) return response;
    const merged = new Headers(response.headers);
    for (const [name, value] of headers) merged.set(name, value);
    return new Response(response.body, { status: response.status, headers: merged });
  };
}

const isService = (who: AuthContext): boolean => who.role === 'service';

function validation(error: z.ZodError): JobGateError {
  const issues = error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`)
    .join('; ');
  return new JobGateError('VALIDATION', `invalid request: ${issues}`);
}

function describeCause(cause: unknown): string | undefined {
  if (cause === undefined) return undefined;
  if (cause instanceof Error) return cause.stack ?? `${cause.name}: ${cause.message}`;
  return String(cause);
}

function withoutJob(err: JobGateError): JobGateError {
  return new JobGateError(err.code, err.message, { cause: err.cause });
}

function normaliseBase(base: string): string {
  const trimmed = base.replace(/\/+$/, '');
  if (trimmed === '') return '';
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

function stripBase(pathname: string, base: string): string {
  let path = pathname.replace(/\/+$/, '') || '/';
  if (base !== '') {
    if (path !== base && !path.startsWith(`${base}/`)) return '\u0000';
    path = path.slice(base.length) || '/';
  }
  return path;
}

function safeDecode(segment: string | undefined): string {
  if (segment === undefined) return '';
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
