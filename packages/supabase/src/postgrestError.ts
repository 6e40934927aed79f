import { type ErrorCode, isErrorCode, JobGateError } from '@jobgate/core';

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
 * UNAUTHENTICATED; a failed request (network) NETWORK_ERROR; anything else INTERNAL.
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
  else if (pgCode === '' && (status === undefined || status === 0)) code = 'NETWORK_ERROR';
  else if (/^(08|53|57)/.test(pgCode) || status === 503 || status === 502) code = 'NETWORK_ERROR';
  return new JobGateError(code, message, { cause: error });
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
