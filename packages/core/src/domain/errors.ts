import { publicMessageOf } from './publicMessage.js';

/**
 * Every error jobgate raises or returns has one of these codes. The map is the
 * documentation: the HTTP status a server answers with, and whether a retry of the same
 * request can succeed.
 */
export const ERROR_CODES = {
  /** The request or the tool input does not match its schema. */
  VALIDATION: { status: 400, retryable: false },
  /** No token, or a token that does not verify. */
  UNAUTHENTICATED: { status: 401, retryable: false },
  /** Authenticated, but not allowed (e.g. a user calling a service-only route). */
  FORBIDDEN: { status: 403, retryable: false },
  /** No such job for this user (a foreign job looks exactly like a missing one). */
  NOT_FOUND: { status: 404, retryable: false },
  /** The request body is larger than the server accepts. */
  PAYLOAD_TOO_LARGE: { status: 413, retryable: false },
  /** Too many requests; retry after the window. */
  RATE_LIMITED: { status: 429, retryable: true },
  /** The user already has an active job (starting, queued or running). */
  ACTIVE_JOB_EXISTS: { status: 409, retryable: false },
  /** Cancelling a job that really waits in the queue needs `confirm: true`. */
  CONFIRM_REQUIRED: { status: 409, retryable: false },
  /** The job id is already used by another job (another user or another tool). */
  CONFLICT: { status: 409, retryable: false },
  /** The status machine forbids this change. */
  INVALID_TRANSITION: { status: 409, retryable: false },
  /** The user's credits do not cover the tool's price. */
  INSUFFICIENT_CREDITS: { status: 402, retryable: false },
  /** The provider is full; the job waits in the queue and is retried with backoff. */
  PROVIDER_BUSY: { status: 503, retryable: true },
  /** The provider refused the input (bad file, bad parameter). Fix the input. */
  PROVIDER_REJECTED: { status: 422, retryable: false },
  /** The provider failed or could not be reached. */
  PROVIDER_ERROR: { status: 502, retryable: true },
  /** The provider account is misconfigured (bad API key, plan, insufficient funds). */
  PROVIDER_CONFIG: { status: 502, retryable: false },
  /** An input file could not be handed to the provider (its upload failed or was refused). */
  PROVIDER_UPLOAD: { status: 502, retryable: true },
  /** A `starting` job outlived its request (healed). */
  STALE_START: { status: 500, retryable: true },
  /** A running job never got a provider task id (healed). */
  START_LOST: { status: 502, retryable: true },
  /** The provider does not know a running job's task (it expired, or was never created). */
  TASK_LOST: { status: 502, retryable: true },
  /** A running job overran its tool's `maxRunMs`, or a request timed out. */
  TIMEOUT: { status: 504, retryable: true },
  /** The user cancelled the job. */
  CANCELLED_BY_USER: { status: 409, retryable: false },
  /**
   * Uploading, reading or storing a file failed: an input file missing from storage, or a
   * result that could not be copied into it.
   */
  STORAGE_ERROR: { status: 500, retryable: true },
  /** The client is already running a job (a second click while busy). Nothing was sent. */
  CLIENT_BUSY: { status: 409, retryable: false },
  /** The network failed between client and server; the request may not have arrived. */
  NETWORK_ERROR: { status: 503, retryable: true },
  /** The database did not answer in time or refused the connection; retry after `Retry-After`. */
  STORE_UNAVAILABLE: { status: 503, retryable: true },
  /** Anything unexpected. The message says what; the cause is kept. */
  INTERNAL: { status: 500, retryable: false },
} as const satisfies Record<string, { status: number; retryable: boolean }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/** How a provider error must be handled by the lifecycle. */
export type ProviderErrorKind = 'busy' | 'invalid' | 'transient' | 'fatal';

export interface JobGateErrorOptions {
  jobId?: string | undefined;
  cause?: unknown;
  /** Provider's own code (e.g. RunningHub `421`), kept for logs and support. */
  providerCode?: string | number | undefined;
  /** For provider errors: how the lifecycle treats it. Derived from the code if absent. */
  kind?: ProviderErrorKind | undefined;
  /** Milliseconds after which a retry makes sense (rate limits). */
  retryAfterMs?: number | undefined;
  details?: Record<string, unknown> | undefined;
  /**
   * What a user may read when `message` is for operators (see publicMessageOf): e.g. the
   * RunningHub adapter's "the input image was refused" for its code 433.
   */
  publicMessage?: string | undefined;
}

/** The one error class of jobgate. `code` is from {@link ERROR_CODES}. */
export class JobGateError extends Error {
  override readonly name = 'JobGateError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly jobId: string | undefined;
  readonly providerCode: string | number | undefined;
  readonly kind: ProviderErrorKind | undefined;
  readonly retryAfterMs: number | undefined;
  readonly details: Record<string, unknown> | undefined;
  readonly publicMessage: string | undefined;

  constructor(code: ErrorCode, message: string, options: JobGateErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.jobId = options.jobId;
    this.providerCode = options.providerCode;
    this.kind = options.kind ?? DEFAULT_KINDS[code];
    this.retryAfterMs = options.retryAfterMs;
    this.details = options.details;
    this.publicMessage = options.publicMessage;
  }

  get retryable(): boolean {
    return ERROR_CODES[this.code].retryable;
  }

  /**
   * `"CODE: message"`, the format of the `error_message` column, with the message a user may
   * read (publicMessageOf): a row never holds a database's text or a provider's raw answer.
   */
  toJobMessage(): string {
    return `${this.code}: ${publicMessageOf(this)}`;
  }

  /** The wire format: `{ error: { code, message, jobId? } }`, with the message a user may read. */
  toJSON(): { error: { code: ErrorCode; message: string; jobId?: string } } {
    return {
      error: {
        code: this.code,
        message: publicMessageOf(this),
        ...(this.jobId === undefined ? {} : { jobId: this.jobId }),
      },
    };
  }

  /** A copy that names the job, keeping everything else. */
  withJob(jobId: string): JobGateError {
    if (this.jobId === jobId) return this;
    // The own fields (providerCode, kind, retryAfterMs, details, …) are the options' names.
    return new JobGateError(this.code, this.message, { ...this, jobId, cause: this.cause });
  }
}

/** The kind a provider error has when none was given. */
const DEFAULT_KINDS: Partial<Record<ErrorCode, ProviderErrorKind>> = {
  PROVIDER_BUSY: 'busy',
  PROVIDER_REJECTED: 'invalid',
  PROVIDER_ERROR: 'transient',
  PROVIDER_CONFIG: 'fatal',
};

export function isJobGateError(value: unknown): value is JobGateError {
  return (
    value instanceof JobGateError ||
    (typeof value === 'object' &&
      value !== null &&
      (value as { name?: unknown }).name === 'JobGateError' &&
      isErrorCode((value as { code?: unknown }).code))
  );
}

/**
 * Turns anything thrown into a {@link JobGateError}, keeping the original as `cause`.
 * A JobGateError passes through (named after `jobId` when given).
 */
export function toJobGateError(
  error: unknown,
  fallback: ErrorCode = 'INTERNAL',
  jobId?: string,
): JobGateError {
  if (error instanceof JobGateError) return jobId ? error.withJob(jobId) : error;
  if (isJobGateError(error)) {
    const e = error as JobGateError;
    return new JobGateError(e.code, e.message, {
      jobId: jobId ?? e.jobId,
      cause: error,
      publicMessage: e.publicMessage,
    });
  }
  if (isAbortError(error)) {
    return new JobGateError('TIMEOUT', 'aborted or timed out', {
      jobId,
      cause: error,
    });
  }
  const message =
    error instanceof Error ? error.message : typeof error === 'string' ? error : 'unknown error';
  return new JobGateError(fallback, message || 'unknown error', { jobId, cause: error });
}

function isAbortError(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'AbortError' || name === 'TimeoutError';
}

/** Builds an error from the wire format `{ error: { code, message, jobId? } }`. */
export function errorFromJSON(body: unknown, status?: number): JobGateError | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const error = (body as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message, jobId } = error as { code?: unknown; message?: unknown; jobId?: unknown };
  if (typeof message !== 'string') return undefined;
  const known = isErrorCode(code) ? code : statusToCode(status);
  return new JobGateError(known, message, {
    jobId: typeof jobId === 'string' ? jobId : undefined,
  });
}

const STATUS_CODES: Readonly<Record<number, ErrorCode>> = {
  400: 'VALIDATION',
  422: 'VALIDATION',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  429: 'RATE_LIMITED',
  502: 'NETWORK_ERROR',
  503: 'NETWORK_ERROR',
  504: 'TIMEOUT',
};

/** The best code for an HTTP status with no jobgate body. */
export function statusToCode(status: number | undefined): ErrorCode {
  return (status !== undefined && STATUS_CODES[status]) || 'INTERNAL';
}
