import { isTerminal, type Job, type JobRunner, toJobGateError } from '@jobgate/core';

export interface JobEventStreamOptions {
  runner: JobRunner;
  /** The job, already checked to belong to the caller. */
  job: Job;
  /** Ends the stream (the client went away). */
  signal?: AbortSignal;
  /** A `: ping` comment every this many ms. Default 15 s. */
  pingMs?: number;
  /**
   * Also re-read the job every this many ms: for a store shared between processes that
   * cannot notify across them. Default: 2 s for such stores, off otherwise.
   */
  pollMs?: number | null;
  /** The stream ends after this, without a terminal state: the client reconnects. Default none. */
  maxLifetimeMs?: number;
  /**
   * Called once the stream is open with its close function; returns the release called when
   * it closes (how the handler caps open streams, see OpenStreams).
   */
  register?: (close: () => void) => () => void;
}

const encoder = new TextEncoder();

/**
 * Server-sent events for one job: `event: job` with the whole job on every change, its new
 * queue position included (the first event is the current state), `: ping` comments, and the end of the stream after a terminal
 * state. For hosts without Supabase Realtime.
 */
export function jobEventStream(options: JobEventStreamOptions): ReadableStream<Uint8Array> {
  const { runner, job } = options;
  const pingMs = options.pingMs ?? 15_000;
  const pollMs =
    options.pollMs !== undefined
      ? options.pollMs
      : runner.capabilities.shared && !runner.capabilities.crossProcessEvents
        ? 2_000
        : null;
  let cleanup = (): void => undefined;
  let closed = false;

  return new ReadableStream<Uint8Array>({
    start(controller) {
      let last = '';
      let chain: Promise<void> = Promise.resolve();
      const timers: Array<ReturnType<typeof setInterval>> = [];

      let release: () => void = () => undefined;
      const close = () => {
        if (closed) return;
        closed = true;
        cleanup();
        try {
          controller.close();
        } catch {
          // already closed by the consumer
        }
      };
      const send = (current: Job) => {
        if (closed) return;
        const data = JSON.stringify(current);
        if (data === last) return;
        last = data;
        controller.enqueue(encoder.encode(`event: job\ndata: ${data}\n\n`));
        if (isTerminal(current.status)) close();
      };
      const refresh = (known?: Job) => {
        chain = chain
          .then(async () => {
            if (closed) return;
            const current = known ?? (await runner.find(job.id, job.userId));
            if (current) send(current);
          })
          .catch((error: unknown) => {
            if (closed) return;
            const err = toJobGateError(error);
            try {
              controller.enqueue(
                encoder.encode(`event: error\ndata: ${JSON.stringify(err.toJSON())}\n\n`),
              );
            } catch {
              closed = true;
              cleanup();
            }
          });
      };

      // Its own row's changes, and its pool's "queue moved" notices: a position is computed
      // when read, so when the jobs ahead leave, this row does not change; re-read it.
      const unsubscribe = runner.watch(
        (change) => {
          if (change.id === job.id) refresh(change.job);
        },
        (pool) => {
          if (pool === job.pool) refresh();
        },
      );
      timers.push(
        setInterval(() => {
          if (!closed) controller.enqueue(encoder.encode(': ping\n\n'));
        }, pingMs),
      );
      if (pollMs !== null && pollMs > 0) timers.push(setInterval(() => refresh(), pollMs));
      const lifetime =
        options.maxLifetimeMs !== undefined ? setTimeout(close, options.maxLifetimeMs) : undefined;
      const onAbort = () => close();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      cleanup = () => {
        unsubscribe();
        for (const timer of timers) clearInterval(timer);
        clearTimeout(lifetime);
        options.signal?.removeEventListener('abort', onAbort);
        release();
      };
      release = options.register?.(close) ?? release;
      controller.enqueue(encoder.encode('retry: 3000\n\n'));
      send(job);
      // A change between the ownership check and the subscription is not missed.
      if (!closed) refresh();
    },
    cancel() {
      closed = true;
      cleanup();
    },
  });
}
