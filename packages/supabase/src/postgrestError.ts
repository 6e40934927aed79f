import { type ErrorCode, JobGateError } from '@jobgate/core';
import { isErrorCode, STORE_RETRY_AFTER_MS } from '@jobgate/core/adapter';

/** The error object supabase-js returns from `.rpc(...)` and `.from(...)` (PostgREST's shape). */
export interface PostgrestErrorLike {
  message: string;
  code?: string | null;
  details?: string | null;
  hint?: string | null;
}

const JOBGATE_MESSAGE = /^JOBGATE:([A-Z_]+):([\s\S]*)$/;

/**
 * Maps a PostgREST error to a JobGateError. The SQL functions raise `JOBGATE:<CODE>:<text>`
 * with a JSON DETAIL (`{"jobId": …}`); privileges and JWT problems become FORBIDDEN /
 * UNAUTHENTICATED; a database or API that cannot be reached (no answer, connection errors,
 * 502/503/504) STORE_UNAVAILABLE with a retry hint; anything else INTERNAL.
 */
export function jobGateErrorFromPostgrest(
  error: PostgrestErrorLike,
  status?: number,
): JobGateError {
  const message = typeof error.message === 'string' ? error.message : 'database error';
  const match = JOBGATE_MESSAGE.exec(message);
  if (match) {
    const details = parseDetails(error.details);
    const code: ErrorCode = isErrorCode(match[1]) ? match[1] : 'INTERNAL';
    const jobId = typeof details?.jobId === 'string' ? details.jobId : undefined;
    return new JobGateError(code, match[2] ?? '', { jobId, details, cause: error });
  }
  const pgCode = error.code ?? '';
  let code: ErrorCode = 'INTERNAL';
  if (pgCode === '42501') code = 'FORBIDDEN';
  else if (/^PGRST3/.test(pgCode)) code = 'UNAUTHENTICATED';
  else if (pgCode === '23505' || pgCode === '40001' || pgCode === '40P01') code = 'CONFLICT';
  else if (/^(22|23)/.test(pgCode) || pgCode === 'PGRST100' || pgCode === 'PGRST202')
    code = 'VALIDATION';
  else if (pgCode === '' && (status === undefined || status === 0)) code = 'STORE_UNAVAILABLE';
  else if (/^(08|53|57)/.test(pgCode) || status === 502 || status === 503 || status === 504)
    code = 'STORE_UNAVAILABLE';
  return new JobGateError(code, message, {
    cause: error,
    ...(code === 'STORE_UNAVAILABLE' ? { retryAfterMs: STORE_RETRY_AFTER_MS } : {}),
  });
}

function parseDetails(details: string | null | undefined): Record<string, unknown> | undefined {
  if (!details) return undefined;
  try {
    const value: unknown = JSON.parse(details);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
