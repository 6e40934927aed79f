import { errorFromJSON, JobGateError, statusToCode } from '../domain/errors.js';

/**
 * The typed error of a non-2xx answer: the jobgate JSON body `{ error: { code, message } }`
 * when there is one, else a code from the HTTP status (an HTML error page from a proxy,
 * a gateway timeout, a CDN). `Retry-After` becomes `retryAfterMs`.
 */
export function errorFromResponse(
  response: { status: number; headers: { get(name: string): string | null } },
  text: string,
  jobId?: string,
): JobGateError {
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
  const parsed = errorFromJSON(body, response.status);
  const code = parsed?.code ?? statusToCode(response.status);
  const message = parsed?.message ?? `the server answered HTTP ${response.status}${snippet(text)}`;
  return new JobGateError(code, message, {
    jobId: parsed?.jobId ?? jobId,
    retryAfterMs,
    details: { status: response.status },
  });
}

function snippet(text: string): string {
  const plain = text
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return plain ? `: ${plain.slice(0, 120)}` : '';
}

/** `Retry-After` in seconds (what @jobgate/server sends); an HTTP date is not worth the bytes here. */
function parseRetryAfter(value: string | null): number | undefined {
  const seconds = Number(value ?? Number.NaN);
  return value && Number.isFinite(seconds) ? Math.max(0, seconds * 1000) : undefined;
}
