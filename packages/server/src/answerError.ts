import { type ErrorCode, JobGateError, toJobGateError } from '@jobgate/core';
import type { Logger } from './consoleLogger.js';
import { errorResponse } from './jsonResponse.js';

/** Codes whose own message may carry internals (a driver's text): the client gets a plain one. */
const PLAIN_MESSAGES: Partial<Record<ErrorCode, string>> = {
  INTERNAL: 'something went wrong on the server; the details are in its log',
  STORAGE_ERROR: 'the server could not read or write its data; try again',
  STORE_UNAVAILABLE: 'the database is not answering; try again shortly',
};

export interface AnswerErrorOptions {
  logger: Logger;
  onError?: (error: JobGateError, context: { method: string; path: string }) => void;
}

/**
 * The one place a failed request becomes an answer: the error format with a request id, a
 * plain message for internals (their details go to the logger under that id). Clean-up is
 * not done here: a job the request created is already terminal (the runner's fail-safe).
 */
export function answerError(
  error: unknown,
  where: { method: string; path: string },
  options: AnswerErrorOptions,
): Response {
  const caught = toJobGateError(error, 'INTERNAL');
  // A missing job and someone else's look the same: a 404 never names a job.
  const err = caught.code === 'NOT_FOUND' ? withoutJob(caught) : caught;
  options.onError?.(err, where);
  const requestId = crypto.randomUUID();
  const plain = PLAIN_MESSAGES[err.code];
  if (err.status >= 500) {
    options.logger.error(`${where.method} ${where.path} failed: ${err.code}`, {
      requestId,
      code: err.code,
      message: err.message,
      jobId: err.jobId,
      cause: describeCause(err.cause),
    });
  }
  return errorResponse(err, { requestId, ...(plain ? { message: plain } : {}) });
}

/** The same error without its job id. */
export function withoutJob(err: JobGateError): JobGateError {
  return new JobGateError(err.code, err.message, { cause: err.cause });
}

function describeCause(cause: unknown): string | undefined {
  if (cause === undefined) return undefined;
  if (cause instanceof Error) return cause.stack ?? `${cause.name}: ${cause.message}`;
  return String(cause);
}
