import { JobGateError } from '@jobgate/core';
import { CLASS_TO_ERROR, type RunningHubCodeClass, runningHubCodeInfo } from './runningHubCodes.js';

export interface RunningHubErrorContext {
  /** Which call answered (e.g. `start`, `status`, `upload`). */
  operation: string;
  /** RunningHub's `data`, kept in `details` for support. */
  data?: unknown;
  cause?: unknown;
}

/**
 * The JobGateError for a RunningHub answer with a non-zero `code`. It carries the code as
 * `providerCode`, RunningHub's `msg` in the message and `details.runningHubMessage`, and a
 * `kind` telling the lifecycle what to do. Codes RunningHub never documented end the job
 * (`PROVIDER_ERROR`, kind fatal) rather than loop.
 */
export function runningHubError(
  code: number,
  msg: string | undefined,
  context: RunningHubErrorContext,
): JobGateError {
  const info = runningHubCodeInfo(code);
  const cls: Exclude<RunningHubCodeClass, 'pending'> =
    info === undefined || info.class === 'pending' ? 'failed' : info.class;
  const mapped = CLASS_TO_ERROR[cls];
  const said = msg && msg.length > 0 ? msg : (info?.name ?? 'no message');
  const what = info
    ? info.class === 'funds'
      ? `insufficient funds: ${info.description}`
      : info.class === 'config'
        ? `configuration: ${info.description}`
        : info.description
    : 'an undocumented RunningHub error';
  return new JobGateError(
    mapped.code,
    `RunningHub ${context.operation} answered ${code} ${said} (${what})`,
    {
      providerCode: code,
      kind: mapped.kind,
      cause: context.cause,
      details: {
        provider: 'runninghub',
        operation: context.operation,
        runningHubCode: code,
        runningHubMessage: msg ?? null,
        reason: info ? info.class : 'unknown',
        ...(context.data === undefined || context.data === null ? {} : { data: context.data }),
      },
    },
  );
}

/** A network failure, timeout, HTTP 429/5xx or unreadable answer: worth a bounded retry. */
export function runningHubTransientError(
  message: string,
  context: RunningHubErrorContext & { httpStatus?: number; retryAfterMs?: number },
): JobGateError {
  return new JobGateError('PROVIDER_ERROR', `RunningHub ${context.operation}: ${message}`, {
    kind: 'transient',
    providerCode: context.httpStatus,
    retryAfterMs: context.retryAfterMs,
    cause: context.cause,
    details: {
      provider: 'runninghub',
      operation: context.operation,
      ...(context.httpStatus === undefined ? {} : { httpStatus: context.httpStatus }),
    },
  });
}
