import type { JobRunner } from '@jobgate/core';
import type { z } from 'zod';
import type { AuthContext } from '../authenticator.js';
import type { JobHandlerOptions, RateBucket } from '../jobHandlerOptions.js';
import type { OpenStreams } from '../openStreams.js';

/**
 * Who may call a route, checked by the guard before the route runs: a signed-in `user`, the
 * `service`, anyone `signedIn` (the route decides further), or `public` (no credentials:
 * webhooks carry their own per-job token).
 */
export type Access = 'user' | 'service' | 'signedIn' | 'public';

/** A signed-in user: the id comes from the verified token only. */
export interface UserCaller extends AuthContext {
  role: 'user';
  userId: string;
}

/** The caller a route of each access sees. */
export type CallerOf<A extends Access> = A extends 'user'
  ? UserCaller
  : A extends 'public'
    ? null
    : AuthContext;

/**
 * What a route gets: the authenticated caller, the runner (its only way to the jobs), and
 * the guard's helpers for what the route reads, in the order the route asks for them.
 */
export interface RouteContext<A extends Access = Access> {
  request: Request;
  url: URL;
  runner: JobRunner;
  caller: CallerOf<A>;
  /** The path's parameters, decoded. */
  params: readonly string[];
  /** The handler options a route reads, and the event streams it holds open. */
  options: Pick<JobHandlerOptions, 'events' | 'isOperator'> & { streams: OpenStreams };
  /** Counts this request against the caller's limit of `bucket`; RATE_LIMITED past it. */
  limit(bucket: RateBucket): Promise<void>;
  /** The job id of the path (its first parameter); VALIDATION unless a UUID. */
  jobId(): string;
  /** `?pool=`, checked (VALIDATION if malformed); undefined when absent. */
  pool(): string | undefined;
  /** The body as bounded, safe JSON (see readJsonBody); undefined when empty. */
  json(): Promise<unknown>;
  /**
   * The body's bytes, bounded by `maxBytes` (default: the handler's `maxBodyBytes`);
   * PAYLOAD_TOO_LARGE past it.
   */
  bytes(maxBytes?: number): Promise<Uint8Array>;
  /** `value` as `schema` parses it; VALIDATION naming the first issues otherwise. */
  validate<T>(schema: z.ZodType<T>, value: unknown): T;
}

/** One route: where it answers, who may call it, and the function that answers. */
export interface Route<A extends Access = Access> {
  method: 'GET' | 'POST';
  pattern: RegExp;
  access: A;
  /** A route that only reads: answered within the handler's one read deadline. */
  readOnly: boolean;
  run(context: RouteContext<A>): Promise<Response>;
}
