import { JobGateError, toJobGateError } from '@jobgate/core';
import { isErrorCode, STORE_RETRY_AFTER_MS } from '@jobgate/core/adapter';

const JOBGATE_MESSAGE = /^JOBGATE:([A-Z_]+):([\s\S]*)$/;

/** The error fields the drivers expose (postgres.js, pg and PGlite name them alike). */
interface DriverError {
  message?: unknown;
  detail?: unknown;
  details?: unknown;
  code?: unknown;
}

/** Socket errors (Node), postgres.js connection codes, SQLSTATE class 08 and shutdowns (57P0x). */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  '57P01',
  '57P02',
  '57P03',
]);

function isConnectionFailure(e: DriverError): boolean {
  const code = typeof e.code === 'string' ? e.code : '';
  if (CONNECTION_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
  // pg: "Connection terminated unexpectedly" / "Connection terminated due to connection timeout".
  return typeof e.message === 'string' && /^Connection terminated\b/.test(e.message);
}

function parseDetail(detail: unknown): Record<string, unknown> {
  if (typeof detail !== 'string' || detail === '') return {};
  try {
    const parsed: unknown = JSON.parse(detail);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/**
 * Maps an error raised by a jobgate SQL function (`MESSAGE 'JOBGATE:<CODE>:<text>'`, DETAIL
 * a JSON object) to a JobGateError with that code; `jobId` comes from the detail, the rest
 * of the detail becomes `details`. Anything else is a STORAGE_ERROR that keeps its cause.
 * Also understands PostgREST errors (`{ message, details }`), for supabase-js `.rpc`.
 */
export function sqlErrorToJobGateError(error: unknown, jobId?: string): JobGateError {
  if (error instanceof JobGateError) return jobId ? error.withJob(jobId) : error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as DriverError;
  if (isConnectionFailure(e)) {
    return new JobGateError('STORE_UNAVAILABLE', 'the database could not be reached', {
      jobId,
      cause: error,
      retryAfterMs: STORE_RETRY_AFTER_MS,
    });
  }
  const match = typeof e.message === 'string' ? JOBGATE_MESSAGE.exec(e.message) : null;
  if (match && isErrorCode(match[1])) {
    const { jobId: detailJobId, ...details } = parseDetail(e.detail ?? e.details);
    return new JobGateError(match[1], match[2]!, {
      jobId: typeof detailJobId === 'string' ? detailJobId : jobId,
      cause: error,
      details: Object.keys(details).length > 0 ? details : undefined,
      // The ledger's refusal is written for the user ("60 credits needed, 40 available").
      ...(match[1] === 'INSUFFICIENT_CREDITS' ? { publicMessage: match[2] } : {}),
    });
  }
  return toJobGateError(error, 'STORAGE_ERROR', jobId);
}
