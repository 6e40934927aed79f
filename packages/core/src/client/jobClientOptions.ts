import type { Clock } from '../ports/clock.js';
import type { Uploader } from '../ports/uploader.js';
import type { JobTransport, JobUpdateSource } from './jobTransport.js';

/** How a JobClient reaches the server, follows jobs and names them. */
export interface JobClientOptions {
  transport: JobTransport;
  /** Live updates (SSE, Supabase Realtime). Default: polling over the transport. */
  updates?: JobUpdateSource;
  /** Needed to pass files to `run`. */
  uploader?: Uploader;
  /** The user id for upload paths `{tool}/{userId}/{jobId}/{name}`. Needed with files. */
  userId?: string | (() => string | null | undefined | Promise<string | null | undefined>);
  /** Polling (the default source, and the fallback when `updates` fails). */
  poll?: { intervalMs?: number; maxIntervalMs?: number };
  /** Bound on the failsafe cancel sent after an error. Default 10 s. */
  failsafeTimeoutMs?: number;
  /** Job ids; default `crypto.randomUUID()`. */
  generateId?: () => string;
  clock?: Clock;
}
