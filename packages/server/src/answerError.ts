import { JobGateError, toJobGateError } from '@jobgate/core';
import { publicMessageOf } from '@jobgate/core/adapter';
import type { Logger } from './consoleLogger.js';
import { errorResponse } from './jsonResponse.js';

export interface AnswerErrorOptions {
  logger: Logger;
  onError?: (error: JobGateError, context: { method: string; path: string }) => void;
}

/**
 * The one place a failed request becomes an answer: the error format with a request id and
 * the message a user may read (`publicMessageOf` of @jobgate/core: a plain sentence for the
 * codes whose messages carry internals); the details go to the logger under that id for any
 * answer past 4xx that is not the user's own doing. Clean-up is not done here: a job the
 * request created is already terminal (the runner's fail-safe).
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
  if (err.status >= 500 || err.message !== publicMessageOf(err)) {
    options.logger.error(`${where.method} ${where.path} failed: ${err.code}`, {
      requestId,
      code: err.code,
      message: err.message,
      jobId: err.jobId,
      cause: describeCause(err.cause),
    });
  }
  return errorResponse(err, { requestId });
}

/** The same error without its job id. */
export function withoutJob(err: JobGateError): JobGateError {
  return new JobGateError(err.code, err.message, {
    cause: err.cause,
    publicMessage: err.publicMessage,
  });
}

function describeCause(cause: unknown): string | undefined {
  if (cause === undefined) return undefined;
  if (cause instanceof Error) return cause.stack ?? `${cause.name}: ${cause.message}`;
  return String(cause);
}
