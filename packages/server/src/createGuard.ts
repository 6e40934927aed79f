import { JobGateError, toJobGateError } from '@jobgate/core';
import { jobIdSchema } from '@jobgate/core/adapter';
import type { z } from 'zod';
import { answerError } from './answerError.js';
import type { AuthContext } from './authenticator.js';
import { consoleLogger } from './consoleLogger.js';
import { createCors } from './cors.js';
import { invalidRequest } from './invalidRequest.js';
import {
  DEFAULT_RATE_LIMITS,
  type JobHandlerOptions,
  type RateBucket,
} from './jobHandlerOptions.js';
import { OpenStreams } from './openStreams.js';
import { MemoryRateLimiter } from './rateLimiter.js';
import { DEFAULT_MAX_BODY_BYTES, readBodyBytes, readJsonBody } from './readJsonBody.js';
import type { Access, CallerOf, Route, RouteContext } from './routes/routeContext.js';

const POOL = /^[A-Za-z0-9_-]{1,64}$/;

/** The guard every request passes: CORS, who may call, limits, bodies, errors as answers. */
export interface Guard {
  /** The answer to an OPTIONS preflight. */
  preflight(request: Request): Response;
  /** Checks the caller against the route's access and gives the route its context. */
  enter<A extends Access>(
    route: Route<A>,
    at: { request: Request; url: URL; params: readonly string[] },
  ): Promise<RouteContext<A>>;
  /** A failed request's answer (see answerError). */
  refuse(error: unknown, where: { method: string; path: string }): Response;
  /** The answer with the CORS headers of the request. */
  finish(request: Request, response: Response): Response;
}

export function createGuard(options: JobHandlerOptions): Guard {
  const { runner, auth } = options;
  const cors = createCors(options.cors);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const limits = { ...DEFAULT_RATE_LIMITS, ...options.rateLimits };
  const logger = options.logger ?? consoleLogger;
  const streams = new OpenStreams(options.events);
  const routeOptions = { events: options.events, isOperator: options.isOperator, streams };
  // Limits are on unless switched off: one process's counts by default.
  const rateLimiter =
    options.rateLimiter === undefined ? new MemoryRateLimiter() : options.rateLimiter;

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

  const admit = async (access: Access, request: Request): Promise<AuthContext | null> => {
    if (access === 'public') return null;
    const who = await authenticate(request);
    if (access === 'user' && (who.role !== 'user' || !who.userId)) {
      throw new JobGateError('FORBIDDEN', 'this route is for signed-in users');
    }
    if (access === 'service' && who.role !== 'service') {
      throw new JobGateError('FORBIDDEN', 'this route needs service credentials');
    }
    return who;
  };

  const limit = async (bucket: RateBucket, key: string): Promise<void> => {
    const rule = limits[bucket];
    if (!rateLimiter || !rule) return;
    const decision = await rateLimiter.hit(`${bucket}:${key}`, rule, runner.clock.now());
    if (!decision.allowed) {
      throw new JobGateError(
        'RATE_LIMITED',
        `too many requests: at most ${rule.limit} per ${Math.round(rule.windowMs / 1000)} s`,
        { retryAfterMs: decision.retryAfterMs },
      );
    }
  };

  return {
    preflight: (request) => cors.preflight(request),

    async enter(route, { request, url, params }) {
      const caller = (await admit(route.access, request)) as CallerOf<typeof route.access>;
      return {
        request,
        url,
        runner,
        caller,
        params,
        options: routeOptions,
        limit: (bucket) => limit(bucket, caller?.userId ?? 'service'),
        jobId: () => {
          const raw = params[0];
          if (raw === undefined || !jobIdSchema.safeParse(raw).success) {
            throw new JobGateError('VALIDATION', 'the job id must be a UUID');
          }
          return raw;
        },
        pool: () => {
          const pool = url.searchParams.get('pool');
          if (pool !== null && !POOL.test(pool)) {
            throw new JobGateError('VALIDATION', 'pool must be 1–64 letters, digits, - or _');
          }
          return pool ?? undefined;
        },
        json: () => readJsonBody(request, maxBodyBytes),
        bytes: (maxBytes = maxBodyBytes) => readBodyBytes(request, maxBytes),
        validate: (schema, value) => validate(schema, value),
      };
    },

    refuse: (error, where) =>
      answerError(error, where, {
        logger,
        ...(options.onError ? { onError: options.onError } : {}),
      }),

    finish(request, response) {
      const headers = cors.headers(request);
      if ([...headers.keys()].length === 0) return response;
      const merged = new Headers(response.headers);
      for (const [name, value] of headers) merged.set(name, value);
      return new Response(response.body, { status: response.status, headers: merged });
    },
  };
}

function validate<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw invalidRequest(parsed.error);
}
