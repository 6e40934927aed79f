import { type JobGateError, toJobGateError } from '@jobgate/core';

const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
};

/** A JSON response with `no-store` caching. */
export function jsonResponse(body: unknown, status = 200, headers?: HeadersInit): Response {
  const merged = new Headers(JSON_HEADERS);
  if (headers) for (const [name, value] of new Headers(headers)) merged.set(name, value);
  return new Response(JSON.stringify(body), { status, headers: merged });
}

/**
 * The wire format of every error: `{ error: { code, message, jobId?, requestId? } }` with the
 * HTTP status of the code (ERROR_CODES). A retryable error that knows when to retry
 * (RATE_LIMITED, STORE_UNAVAILABLE) carries `Retry-After`; a request id also goes in
 * `x-request-id`. The message is the one a user may read (`publicMessageOf`).
 */
export function errorResponse(error: unknown, extra: { requestId?: string } = {}): Response {
  const err: JobGateError = toJobGateError(error);
  const headers = new Headers();
  if (err.retryable && err.retryAfterMs !== undefined) {
    headers.set('retry-after', String(Math.max(1, Math.ceil(err.retryAfterMs / 1000))));
  }
  if (err.code === 'UNAUTHENTICATED') headers.set('www-authenticate', 'Bearer');
  const body = err.toJSON();
  if (extra.requestId !== undefined) headers.set('x-request-id', extra.requestId);
  return jsonResponse(
    extra.requestId === undefined ? body : { error: { ...body.error, requestId: extra.requestId } },
    err.status,
    headers,
  );
}
