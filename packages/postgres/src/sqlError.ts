import { isErrorCode, JobGateError, toJobGateError } from '@jobgate/core';

const JOBGATE_MESSAGE = /^JOBGATE:([A-Z_]+):([\s\S]*)$/;

/** The error fields the drivers expose (postgres.js, pg and PGlite name them alike). */
interface DriverError {
  message?: unknown;
  detail?: unknown;
  details?: unknown;
  code?: unknown;
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
  const match = typeof e.message === 'string' ? JOBGATE_MESSAGE.exec(e.message) : null;
  if (match && isErrorCode(match[1])) {
    const { jobId: detailJobId, ...details } = parseDetail(e.detail ?? e.details);
    return new JobGateError(match[1], match[2]!, {
      jobId: typeof detailJobId === 'string' ? detailJobId : jobId,
      cause: error,
      details: Object.keys(details).length > 0 ? details : undefined,
    });
  }
  return toJobGateError(error, 'STORAGE_ERROR', jobId);
}
