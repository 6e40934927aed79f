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
 * The wire format of every error: `{ error: { code, message, jobId? } }` with the HTTP status
 * of the code (ERROR_CODES). RATE_LIMITED carries `Retry-After`.
 */
export function errorResponse(error: unknown): Response {
  const err: JobGateError = toJobGateError(error);
  const headers = new Headers();
  if (err.code === 'RATE_LIMITED' && err.retryAfterMs !== undefined) {
    headers.set('retry-after', String(Math.max(1, Math.ceil(err.retryAfterMs / 1000))));
  }
  if (err.code === 'UNAUTHENTICATED') headers.set('www-authenticate', 'Bearer');
  return jsonResponse(err.toJSON(), err.status, headers);
}
