import type { Job } from '../domain/job.js';
import type { OutputFile } from '../domain/outputFile.js';

/**
 * How the browser reaches the server routes (packages/server/README.md). Implementations: `fetchTransport`
 * (plain fetch to a mounted @jobgate/server handler) and the Supabase `functions.invoke`
 * transport of @jobgate/supabase. Every method rejects with a JobGateError.
 */
export interface JobTransport {
  /** `GET /jobs/active`: the user's active job (after the server healed stale ones), or null. */
  active(signal?: AbortSignal): Promise<Job | null>;
  /** `POST /jobs`: create (the job id is the idempotency key) and start. */
  submit(
    request: { jobId: string; tool: string; input: unknown },
    signal?: AbortSignal,
  ): Promise<Job>;
  /** `GET /jobs/:id`. */
  get(jobId: string, signal?: AbortSignal): Promise<Job>;
  /** `POST /jobs/:id/cancel`. Without `confirm` the server cancels only what is not really waiting or running. */
  cancel(jobId: string, options?: { confirm?: boolean }, signal?: AbortSignal): Promise<Job>;
  /** `GET /jobs/:id/files`: the job's result files, each with a short-lived signed URL. */
  files(jobId: string, signal?: AbortSignal): Promise<OutputFile[]>;
  /** `POST /quote`: the price in credits of a job of `tool` with this input. */
  quote(tool: string, input: unknown, signal?: AbortSignal): Promise<Quote>;
}

/**
 * Live updates of one job: Supabase Realtime, server-sent events, or polling. `onJob` gets
 * the whole job each time it changes; `onError` reports a broken source (the client then
 * falls back to polling). Returns the unsubscribe function.
 */
export interface JobUpdateSource {
  subscribe(
    jobId: string,
    onJob: (job: Job) => void,
    onError: (error: unknown) => void,
  ): () => void;
}

/** What a job would cost, from the server's tool registry. */
export interface Quote {
  tool: string;
  credits: number;
}
