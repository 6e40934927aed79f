import { JobGateError } from '@jobgate/core';
import { runningHubTransientError } from './runningHubError.js';

export const DEFAULT_BASE_URL = 'https://www.runninghub.ai';

/** RunningHub's answer envelope: HTTP 200 with `code` 0 on success, non-zero otherwise. */
export interface RunningHubEnvelope {
  code: number;
  msg: string;
  data: unknown;
}

export interface RunningHubTimeouts {
  /** Abort one JSON call after this. Default 15 s. */
  requestMs?: number;
  /** Abort one upload after this. Default 120 s. */
  uploadMs?: number;
}

export interface RunningHubRetry {
  /** Attempts of a status, outputs, cancel or account call on a transient failure. Default 3. */
  attempts?: number;
  /** Pause before each retry. Default 250 ms, 1 s. */
  backoffMs?: readonly number[];
  /**
   * Attempts of a start. Default 2: one quick retry, only when the server clearly did not
   * take the task (HTTP 429, 502, 503). The runner requeues anything else with backoff.
   */
  startAttempts?: number;
}

export interface RunningHubClientOptions {
  apiKey: string;
  /** `https://www.runninghub.ai` (default) or `https://www.runninghub.cn`, or a simulator. */
  baseUrl?: string;
  /** A fetch implementation (default: the global one). */
  fetch?: typeof fetch;
  timeouts?: RunningHubTimeouts;
  retry?: RunningHubRetry;
}

export interface CallOptions {
  operation: string;
  signal?: AbortSignal | undefined;
  /** Total attempts for transient failures. */
  attempts?: number;
  /** Which transient failures may be retried (default: all). */
  retryIf?: (error: JobGateError) => boolean;
  timeoutMs?: number;
  /** Do not wait longer than this before a retry (a longer Retry-After is thrown instead). */
  maxWaitMs?: number;
  /** The body field that carries the key: `apiKey` (default) or `apikey` (account status). */
  keyField?: 'apiKey' | 'apikey';
}

/** HTTP statuses after which RunningHub certainly did not take a task. */
const NOT_TAKEN = new Set([429, 502, 503]);

/** True for a transient error that proves the request was not processed (safe to repeat a start). */
export function provablyNotTaken(error: JobGateError): boolean {
  const status = error.details?.httpStatus;
  return typeof status === 'number' && NOT_TAKEN.has(status);
}

/**
 * A thin client of RunningHub's OpenAPI over `fetch` (web-standard: Deno, Bun, browsers,
 * Node). It sends the key in the body as RunningHub expects (and as a Bearer header), turns
 * network failures, timeouts, HTTP 429/5xx and unreadable answers into transient
 * `PROVIDER_ERROR`s retried a bounded number of times, and returns RunningHub's envelope.
 */
export class RunningHubClient {
  readonly baseUrl: string;
  readonly #apiKey: string;
  readonly #fetch: typeof fetch;
  readonly #timeouts: Required<RunningHubTimeouts>;
  readonly #retry: Required<RunningHubRetry>;

  constructor(options: RunningHubClientOptions) {
    if (typeof options.apiKey !== 'string' || options.apiKey.trim().length === 0) {
      throw new JobGateError('PROVIDER_CONFIG', 'RunningHub: apiKey is required', {
        kind: 'fatal',
      });
    }
    const base = options.baseUrl ?? DEFAULT_BASE_URL;
    let parsed: URL;
    try {
      parsed = new URL(base);
    } catch (cause) {
      throw new JobGateError('PROVIDER_CONFIG', `RunningHub: baseUrl "${base}" is not a URL`, {
        kind: 'fatal',
        cause,
      });
    }
    this.baseUrl = parsed.href.replace(/\/+$/, '');
    this.#apiKey = options.apiKey;
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#timeouts = { requestMs: 15_000, uploadMs: 120_000, ...options.timeouts };
    this.#retry = { attempts: 3, backoffMs: [250, 1_000], startAttempts: 2, ...options.retry };
  }

  get retry(): Readonly<Required<RunningHubRetry>> {
    return this.#retry;
  }

  /** POSTs JSON (with the key added) and returns RunningHub's envelope. */
  postJson(
    path: string,
    body: Record<string, unknown>,
    options: CallOptions,
  ): Promise<RunningHubEnvelope> {
    return this.#withRetry(options, (signal) =>
      this.#send(
        path,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            authorization: `Bearer ${this.#apiKey}`,
          },
          body: JSON.stringify({ [options.keyField ?? 'apiKey']: this.#apiKey, ...body }),
          signal,
        },
        options.operation,
      ),
    );
  }

  /** POSTs a multipart form (with `apiKey` added) and returns RunningHub's envelope. */
  postForm(
    path: string,
    fill: (form: FormData) => void,
    options: CallOptions,
  ): Promise<RunningHubEnvelope> {
    return this.#withRetry({ timeoutMs: this.#timeouts.uploadMs, ...options }, (signal) => {
      const form = new FormData();
      form.append('apiKey', this.#apiKey);
      fill(form);
      return this.#send(
        path,
        {
          method: 'POST',
          headers: { accept: 'application/json', authorization: `Bearer ${this.#apiKey}` },
          body: form,
          signal,
        },
        options.operation,
      );
    });
  }

  async #withRetry(
    options: CallOptions,
    attempt: (signal: AbortSignal) => Promise<RunningHubEnvelope>,
  ): Promise<RunningHubEnvelope> {
    const attempts = Math.max(1, options.attempts ?? this.#retry.attempts);
    const timeoutMs = options.timeoutMs ?? this.#timeouts.requestMs;
    for (let i = 1; ; i++) {
      throwIfAborted(options.signal, options.operation);
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
      try {
        return await attempt(signal);
      } catch (raw) {
        throwIfAborted(options.signal, options.operation, raw);
        const error =
          raw instanceof JobGateError
            ? raw
            : isAbort(raw)
              ? runningHubTransientError(`no answer within ${timeoutMs} ms`, {
                  operation: options.operation,
                  cause: raw,
                })
              : runningHubTransientError(
                  `network error: ${raw instanceof Error ? raw.message : String(raw)}`,
                  { operation: options.operation, cause: raw },
                );
        const base = this.#retry.backoffMs[Math.min(i - 1, this.#retry.backoffMs.length - 1)] ?? 0;
        const wait = Math.max(base, error.retryAfterMs ?? 0);
        const retry =
          error.kind === 'transient' &&
          i < attempts &&
          wait <= (options.maxWaitMs ?? Number.POSITIVE_INFINITY) &&
          (options.retryIf?.(error) ?? true);
        if (!retry) throw error;
        await sleep(wait, options.signal, options.operation);
      }
    }
  }

  async #send(path: string, init: RequestInit, operation: string): Promise<RunningHubEnvelope> {
    const response = await this.#fetch(`${this.baseUrl}${path}`, init);
    const text = await response.text();
    if (!response.ok) {
      const status = response.status;
      if (status === 429 || status >= 500) {
        throw runningHubTransientError(`HTTP ${status}`, {
          operation,
          httpStatus: status,
          retryAfterMs: retryAfter(response.headers.get('retry-after')),
        });
      }
      throw new JobGateError(
        status === 401 || status === 403 ? 'PROVIDER_CONFIG' : 'PROVIDER_ERROR',
        `RunningHub ${operation}: HTTP ${status} ${text.slice(0, 200)}`.trim(),
        {
          kind: 'fatal',
          providerCode: status,
          details: { provider: 'runninghub', operation, httpStatus: status },
        },
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (cause) {
      throw runningHubTransientError(`unreadable answer (not JSON): ${text.slice(0, 120)}`, {
        operation,
        httpStatus: response.status,
        cause,
      });
    }
    return envelopeOf(body, operation);
  }
}

/** Checks the `{ code, msg, data }` shape. */
export function envelopeOf(body: unknown, operation: string): RunningHubEnvelope {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw runningHubTransientError('answer is not a JSON object', { operation });
  }
  const { code, msg, data } = body as Record<string, unknown>;
  const numeric = typeof code === 'string' && /^-?\d+$/.test(code) ? Number(code) : code;
  if (typeof numeric !== 'number' || !Number.isInteger(numeric)) {
    throw runningHubTransientError('answer has no numeric code', { operation });
  }
  return { code: numeric, msg: typeof msg === 'string' ? msg : '', data: data ?? null };
}

function isAbort(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'AbortError' || name === 'TimeoutError';
}

function throwIfAborted(signal: AbortSignal | undefined, operation: string, cause?: unknown): void {
  if (signal?.aborted) {
    throw new JobGateError('TIMEOUT', `RunningHub ${operation}: aborted by the caller`, {
      cause: cause ?? signal.reason,
      details: { provider: 'runninghub', operation },
    });
  }
}

function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1_000, 60_000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.min(Math.max(0, at - Date.now()), 60_000);
}

function sleep(ms: number, signal: AbortSignal | undefined, operation: string): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(handle);
      reject(
        new JobGateError('TIMEOUT', `RunningHub ${operation}: aborted by the caller`, {
          cause: signal?.reason,
        }),
      );
    };
    const handle = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
