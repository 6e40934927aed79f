import type { ErrorCode } from './errors.js';

/**
 * Codes whose messages jobgate writes itself, for the user (which rule refused, what to do):
 * shown as they are. Every other code's message may carry what only operators should see (a
 * database's own text, a host, a provider's raw answer), so users get the plain sentence of
 * {@link PUBLIC_MESSAGES} instead, unless the error carries a `publicMessage` of its own.
 */
const OWN_MESSAGES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'VALIDATION',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'PAYLOAD_TOO_LARGE',
  'RATE_LIMITED',
  'ACTIVE_JOB_EXISTS',
  'CONFIRM_REQUIRED',
  'CONFLICT',
  'INVALID_TRANSITION',
  'STALE_START',
  'START_LOST',
  'TIMEOUT',
  'CANCELLED_BY_USER',
  'CLIENT_BUSY',
]);

/** What a user reads for a code whose own message is for operators. */
export const PUBLIC_MESSAGES: Readonly<Partial<Record<ErrorCode, string>>> = {
  INSUFFICIENT_CREDITS: 'your credits do not cover this job',
  PROVIDER_BUSY: 'the AI provider is busy: the job waits for it',
  PROVIDER_REJECTED: 'the AI provider refused this input: try another file or setting',
  PROVIDER_ERROR: 'the AI provider could not run the job',
  PROVIDER_CONFIG: "the AI provider's account needs attention from the app's team",
  PROVIDER_UPLOAD: 'an input file could not be sent to the AI provider',
  TASK_LOST: 'the AI provider lost track of the job',
  STORAGE_ERROR: 'a file could not be read or stored',
  NETWORK_ERROR: 'the connection failed: check the network and try again',
  STORE_UNAVAILABLE: 'the service is briefly unavailable: try again in a moment',
  INTERNAL: 'something went wrong on our side',
};

/**
 * The message a user may read for an error (an API answer, a job row, an event): the
 * error's `publicMessage` when it has one, its own message for the codes whose messages
 * jobgate writes for users, else the plain sentence of its code. The details stay in
 * `message` and `cause`, for the logs.
 */
export function publicMessageOf(error: {
  code: ErrorCode;
  message: string;
  publicMessage?: string | undefined;
}): string {
  if (error.publicMessage) return error.publicMessage;
  if (OWN_MESSAGES.has(error.code) && error.message) return error.message;
  return PUBLIC_MESSAGES[error.code] ?? 'something went wrong';
}
