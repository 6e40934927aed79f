import { JobGateError, toJobGateError } from '../domain/errors.js';
import { isTerminal } from '../domain/jobStatus.js';
import { type Clock, systemClock, type TimerHandle } from '../ports/clock.js';
import { errorFromResponse } from './errorFromResponse.js';
import { authHeaders, joinUrl, type TokenGetter } from './fetchTransport.js';
import { backoffDelay, isJob, noop } from './jobHelpers.js';
import type { JobUpdateSource } from './jobTransport.js';

export interface SseUpdatesOptions {
  /** Where the @jobgate/server handler is mounted (the same as the transport's). */
  baseUrl: string;
  getToken?: TokenGetter;
  fetch?: typeof fetch;
  /** Extra headers for every request. */
  headers?: Record<string, string>;
  /** First reconnect delay; doubles per failed attempt up to `maxRetryMs`. Default 1 s. */
  retryMs?: number;
  maxRetryMs?: number;
  /** Failed connections in a row before `onError` (the client then polls). Default 4. */
  maxAttempts?: number;
  /** No byte (event or `: ping`) for this long counts as a dead connection. Default 45 s. */
  heartbeatTimeoutMs?: number;
  clock?: Clock;
}

/** One server-sent event. */
export interface SseEvent {
  event: string;
  data: string;
  /** The last `retry:` field seen (reconnection time, ms). `id:` is not kept: the first event of a stream is the whole current job. */
  retry: number | undefined;
}

/**
 * An incremental parser of the `text/event-stream` format (WHATWG HTML § 9.2): feed it
 * text as it arrives, in chunks split anywhere (even inside a CRLF); it calls `onEvent`
 * per dispatched event. Comments (`: ping`) dispatch nothing.
 */
export function createSseParser(onEvent: (event: SseEvent) => void): {
  push(text: string): void;
  end(): void;
} {
  let buffer = '';
  let data: string[] = [];
  let event = '';
  let retry: number | undefined;
  const line = (text: string) => {
    if (text === '') {
      if (data.length > 0) onEvent({ event: event || 'message', data: data.join('\n'), retry });
      data = [];
      event = '';
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'retry' && /^\d+$/.test(value)) retry = Number(value);
  };
  return {
    push(text) {
      buffer += text;
      for (;;) {
        const match = /\r\n|\r|\n/.exec(buffer);
        if (!match) return;
        // A lone \r at the very end may be the first half of a \r\n: wait for more.
        if (match[0] === '\r' && match.index === buffer.length - 1) return;
        line(buffer.slice(0, match.index));
        buffer = buffer.slice(match.index + match[0].length);
      }
    },
    end() {
      if (buffer.endsWith('\r')) line(buffer.slice(0, -1));
      buffer = '';
    },
  };
}

/**
 * Updates over server-sent events from `GET /jobs/:id/events`. `EventSource` cannot send
 * an `Authorization` header, so this reads the stream with `fetch` and parses it. The
 * first event is the job as it is; the stream ends after a terminal job. A dropped or
 * silent connection (no `: ping` within `heartbeatTimeoutMs`) is reopened with backoff;
 * after `maxAttempts` failures in a row, or an error a retry cannot fix (401, 404),
 * `onError` reports it and the JobClient falls back to polling.
 */
export function sseUpdates(options: SseUpdatesOptions): JobUpdateSource {
  const clock = options.clock ?? systemClock;
  const retryMs = options.retryMs ?? 1_000;
  const maxRetryMs = Math.max(retryMs, options.maxRetryMs ?? 15_000);
  const maxAttempts = options.maxAttempts ?? 4;
  const heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? 45_000;
  return {
    subscribe(jobId, onJob, onError) {
      let stopped = false;
      let failures = 0;
      let serverRetry: number | undefined;
      let controller: AbortController | null = null;
      let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
      let retryTimer: TimerHandle | null = null;
      let heartbeat: TimerHandle | null = null;
      const url = joinUrl(options.baseUrl, `/jobs/${encodeURIComponent(jobId)}/events`);

      const clearHeartbeat = () => {
        if (heartbeat !== null) clock.clearTimeout(heartbeat);
        heartbeat = null;
      };
      const stop = () => {
        stopped = true;
        clearHeartbeat();
        if (retryTimer !== null) clock.clearTimeout(retryTimer);
        retryTimer = null;
        controller?.abort();
        // Not every fetch ties the body to the signal: cancel the stream itself too.
        void reader?.cancel().catch(noop);
        reader = null;
      };

      const connect = async () => {
        const current = new AbortController();
        controller = current;
        let stalled = false;
        const arm = () => {
          clearHeartbeat();
          heartbeat = clock.setTimeout(() => {
            stalled = true;
            current.abort();
            void reader?.cancel().catch(noop);
          }, heartbeatTimeoutMs);
        };
        let finished = false;
        try {
          const headers = await authHeaders(options.getToken, {
            accept: 'text/event-stream',
            ...options.headers,
          });
          if (stopped) return;
          arm();
          const doFetch = options.fetch ?? globalThis.fetch;
          const response = await doFetch(url, {
            headers,
            signal: current.signal,
            cache: 'no-store',
          });
          if (!response.ok) throw errorFromResponse(response, await response.text(), jobId);
          const type = response.headers.get('content-type') ?? '';
          if (!response.body || !type.includes('text/event-stream')) {
            throw new JobGateError('INTERNAL', `not an event stream (${type || 'no type'})`, {
              jobId,
            });
          }
          const parser = createSseParser((event) => {
            if (event.retry !== undefined) serverRetry = event.retry;
            if (event.event !== 'job' || stopped) return;
            let job: unknown;
            try {
              job = JSON.parse(event.data);
            } catch {
              return;
            }
            if (!isJob(job) || job.id !== jobId) return;
            failures = 0;
            onJob(job);
            if (isTerminal(job.status)) finished = true;
          });
          const streamReader = response.body.getReader();
          reader = streamReader;
          if (stopped) void streamReader.cancel().catch(noop);
          const decoder = new TextDecoder();
          try {
            while (!finished && !stopped) {
              const { done, value } = await streamReader.read();
              if (done) break;
              arm();
              parser.push(decoder.decode(value, { stream: true }));
            }
            parser.push(decoder.decode());
            parser.end();
          } finally {
            if (finished || stopped) void streamReader.cancel().catch(noop);
            if (reader === streamReader) reader = null;
          }
          clearHeartbeat();
          if (finished || stopped) {
            stop();
            return;
          }
          throw new JobGateError('NETWORK_ERROR', 'the event stream ended before the job did', {
            jobId,
          });
        } catch (error) {
          clearHeartbeat();
          if (stopped) return;
          const err = stalled
            ? new JobGateError('NETWORK_ERROR', 'the event stream went silent', { jobId })
            : toJobGateError(error, 'NETWORK_ERROR', jobId);
          failures++;
          if (!err.retryable || failures >= maxAttempts) {
            stop();
            onError(err);
            return;
          }
          retryTimer = clock.setTimeout(
            () => {
              retryTimer = null;
              void connect();
            },
            serverRetry ?? backoffDelay(retryMs, maxRetryMs, failures),
          );
        }
      };

      void connect();
      return stop;
    },
  };
}
