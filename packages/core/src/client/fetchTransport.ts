import { JobGateError, toJobGateError } from '../domain/errors.js';
import type { Job } from '../domain/job.js';
import type { OutputFile } from '../domain/outputFile.js';
import { type Clock, systemClock } from '../ports/clock.js';
import { errorFromResponse } from './errorFromResponse.js';
import { isJob } from './jobHelpers.js';
import type { JobTransport, Quote } from './jobTransport.js';

/** Returns the user's access token (or nothing, for a server without auth). */
export type TokenGetter = () => string | null | undefined | Promise<string | null | undefined>;

export interface FetchTransportOptions {
  /** Where the @jobgate/server handler is mounted, e.g. `https://api.example.com/jobgate`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <token>`. */
  getToken?: TokenGetter;
  /** Defaults to the global `fetch`. */
  fetch?: typeof fetch;
  /** A request that takes longer fails with TIMEOUT. Default 30 s. */
  timeoutMs?: number;
  /** Extra headers for every request (e.g. Supabase's `apikey`). */
  headers?: Record<string, string>;
  clock?: Clock;
}

/** `GET /slots`. */
export interface SlotsAnswer {
  pool: string;
  cap: number;
  running: number;
  queued: number;
}

/** `GET /queue`: the pool's counts and jobs, all of them for an operator, else the user's own. */
export interface QueueAnswer extends SlotsAnswer {
  scope: 'all' | 'own';
  /** Running jobs (earliest start first), then the queue in order (positions are the pool's). */
  jobs: Job[];
  /** Jobs that ended last, newest first, with their error codes. */
  recent: Job[];
}

/** The read-only pool routes, for queue panels (`useSlots`, `useQueue`). */
export interface QueueTransport {
  /** `GET /slots`. */
  slots(signal?: AbortSignal): Promise<SlotsAnswer>;
  /** `GET /queue`. */
  queue(signal?: AbortSignal): Promise<QueueAnswer>;
}

/** The fetch transport: {@link JobTransport} plus the other user routes. */
export interface FetchTransport extends JobTransport, QueueTransport {
  /** `POST /jobs/cancel-session`: cancels every starting or queued job of the user. */
  cancelSession(signal?: AbortSignal): Promise<Job[]>;
}

/** Joins a base URL and a route path without doubling or dropping the slash. */
export function joinUrl(baseUrl: string, path: string): string {
  return baseUrl.replace(/\/+$/, '') + path;
}

/** Headers with the bearer token, if there is one. */
export async function authHeaders(
  getToken: TokenGetter | undefined,
  extra?: Record<string, string>,
): Promise<Record<string, string>> {
  const token = getToken ? await getToken() : undefined;
  return { ...extra, ...(token ? { authorization: `Bearer ${token}` } : {}) };
}

/**
 * A {@link JobTransport} over `fetch` to the routes of a mounted @jobgate/server handler.
 * Every method rejects with a JobGateError: the server's own error (JSON body), a code
 * from the HTTP status for a non-JSON answer, NETWORK_ERROR when the request did not get
 * through, TIMEOUT after `timeoutMs`.
 */
export function fetchTransport(options: FetchTransportOptions): FetchTransport {
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.timeoutMs ?? 30_000;

  async function request<T>(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    signal: AbortSignal | undefined,
    pick: (json: Record<string, unknown>) => T | undefined,
    jobId?: string,
  ): Promise<T> {
    const doFetch = options.fetch ?? globalThis.fetch;
    const controller = new AbortController();
    let timedOut = false;
    const onAbort = () => controller.abort(signal?.reason);
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort);
    const timer = clock.setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    try {
      const headers = await authHeaders(options.getToken, {
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...options.headers,
      });
      let response: Response;
      let text: string;
      try {
        response = await doFetch(joinUrl(options.baseUrl, path), {
          method,
          headers,
          signal: controller.signal,
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        text = await response.text();
      } catch (error) {
        if (timedOut) {
          throw new JobGateError('TIMEOUT', `no answer from the server within ${timeoutMs} ms`, {
            jobId,
            cause: error,
          });
        }
        if (signal?.aborted) throw toJobGateError(error, 'NETWORK_ERROR', jobId);
        throw new JobGateError(
          'NETWORK_ERROR',
          `the request did not reach the server (${error instanceof Error ? error.message : String(error)})`,
          { jobId, cause: error },
        );
      }
      if (!response.ok) throw errorFromResponse(response, text, jobId);
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      const value =
        typeof json === 'object' && json !== null
          ? pick(json as Record<string, unknown>)
          : undefined;
      if (value === undefined) {
        throw new JobGateError(
          'INTERNAL',
          `unexpected answer to ${method} ${path} (HTTP ${response.status}, ${response.headers.get('content-type') ?? 'no content type'})`,
          { jobId },
        );
      }
      return value;
    } finally {
      clock.clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  const pickSlots = (json: Record<string, unknown>) =>
    typeof json.cap === 'number' ? (json as unknown as SlotsAnswer) : undefined;
  const pickJob = (json: Record<string, unknown>) => (isJob(json.job) ? json.job : undefined);
  const id = (jobId: string) => encodeURIComponent(jobId);

  return {
    active: (signal) =>
      request('GET', '/jobs/active', undefined, signal, (json) =>
        json.job === null ? null : isJob(json.job) ? json.job : undefined,
      ),
    submit: (req, signal) =>
      request(
        'POST',
        '/jobs',
        { jobId: req.jobId, tool: req.tool, input: req.input },
        signal,
        pickJob,
        req.jobId,
      ),
    get: (jobId, signal) => request('GET', `/jobs/${id(jobId)}`, undefined, signal, pickJob, jobId),
    cancel: (jobId, cancelOptions, signal) =>
      request(
        'POST',
        `/jobs/${id(jobId)}/cancel`,
        cancelOptions?.confirm ? { confirm: true } : {},
        signal,
        pickJob,
        jobId,
      ),
    cancelSession: (signal) =>
      request('POST', '/jobs/cancel-session', {}, signal, (json) =>
        Array.isArray(json.jobs) && json.jobs.every(isJob) ? (json.jobs as Job[]) : undefined,
      ),
    files: (jobId, signal) =>
      request('GET', `/jobs/${id(jobId)}/files`, undefined, signal, (json) =>
        Array.isArray(json.files) ? (json.files as OutputFile[]) : undefined,
      ),
    quote: (tool, input, signal) =>
      request('POST', '/quote', { tool, input }, signal, (json) =>
        typeof json.credits === 'number' ? (json as unknown as Quote) : undefined,
      ),
    slots: (signal) => request('GET', '/slots', undefined, signal, pickSlots),
    queue: (signal) =>
      request('GET', '/queue', undefined, signal, (json) =>
        Array.isArray(json.jobs) ? (pickSlots(json) as QueueAnswer | undefined) : undefined,
      ),
  };
}
