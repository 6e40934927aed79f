import type { RefundPolicy } from '../domain/refundPolicy.js';
import type { SlotPolicyOptions } from '../domain/slotPolicy.js';
import type { AnyTool, ToolRegistry } from '../domain/tool.js';
import type { Billing } from '../ports/billing.js';
import type { Clock } from '../ports/clock.js';
import type { FileStorage } from '../ports/fileStorage.js';
import type { JobStore } from '../ports/jobStore.js';
import type { Provider } from '../ports/provider.js';

export interface RunnerTimeouts {
  /** A `starting` job older than this is cancelled (STALE_START). Default 15 s. */
  staleStartMs?: number;
  /** A running job with no task id after this is failed (START_LOST), lease or not. Default 60 s. */
  lostStartMs?: number;
  /**
   * The start lease: a process starting a job at the provider holds its slot for this long,
   * renewed (every third of it) while the provider call is in flight. If the process dies,
   * heal ends the job as START_LOST once the lease runs out. Default 15 s.
   */
  startLeaseMs?: number;
  /** A refund claimed by a process that died is taken over after this. Default 60 s. */
  refundClaimMs?: number;
  /** Deadline of every store call; past it the call fails with STORE_UNAVAILABLE. Default 5 s. */
  storeCallMs?: number;
  /**
   * Deadline of a Billing call (charge, refund). Default 5 s, and never more than half of
   * `staleStartMs`: a charge still unanswered is given up well before heal may end its job.
   * (A charge that commits later anyway is refused by the ledger: its refund marker.)
   */
  billingCallMs?: number;
  /** A queued job waiting longer than this is failed (TIMEOUT). Default: no limit. */
  maxQueueMs?: number | null;
  /** Abort a provider start after this. Default 30 s. */
  providerStartMs?: number;
  /**
   * Abort reading a job's input files from storage and handing them to the provider after
   * this. Default 20 s. The uploads and the start together must fit in `lostStartMs`.
   */
  providerUploadMs?: number;
  /** Abort copying a finished job's result files into storage after this. Default 10 min. */
  outputCopyMs?: number;
  /** Abort a provider status or cancel call after this. Default 15 s. */
  providerCallMs?: number;
}

export interface RunnerRetry {
  /** Backoff before each retry of a busy or transient provider start. Default 3 s, 8 s, 15 s. */
  backoffMs?: readonly number[];
  /** ± fraction of random jitter on each backoff. Default 0.2. */
  jitter?: number;
  /** Transient provider errors (network, 5xx) are retried until this many attempts. Default 3. */
  maxTransientAttempts?: number;
  /**
   * Past `maxRunMs`, a job whose status calls fail keeps running (polled with backoff) for
   * this many poll intervals of its tool before it ends as TIMEOUT: finished work at the
   * provider is not thrown away because its status could not be read. Default 10.
   */
  statusGracePolls?: number;
}

export interface JobRunnerOptions {
  store: JobStore;
  provider: Provider;
  tools: ToolRegistry | Iterable<AnyTool>;
  policy?: SlotPolicyOptions;
  billing?: Billing;
  /**
   * The app's file storage: the runner reads each job's input files there (the paths the
   * browser uploaded to) and hands them to the provider before the start, copies the results
   * there before the job completes, and signs URLs for the browser. Required when a tool has
   * `files`; without it, results keep the provider's own URLs (which may expire).
   */
  storage?: FileStorage;
  /** Results: the largest file copied (default 2 GiB); how long a signed URL stays valid (default 3600 s). */
  files?: { maxOutputBytes?: number; urlSeconds?: number };
  /** Which ended jobs get their credits back (see docs/credits.md). Default: all but completed. */
  refundPolicy?: RefundPolicy;
  clock?: Clock;
  /**
   * Callback URLs `{baseUrl}/webhooks/{provider}/{token}` with an HMAC token bound to the job
   * and its start attempt. `previousSecrets`: secrets still accepted (not used for new
   * tokens) while the secret is rotated with jobs in flight (docs/production.md).
   */
  webhook?: WebhookOptions;
  timeouts?: RunnerTimeouts;
  retry?: RunnerRetry;
  /**
   * Heal stale jobs inside the requests that need a true picture: the active-job check, a
   * submit refused because of an active job (then retried once), a submit that queued.
   * Default true.
   */
  healOnRequest?: boolean;
  /** In a long-lived process: wake up to retry a backed-off job when its time comes. Default true. */
  wakeTimers?: boolean;
  /** Random source for jitter (inject for determinism). */
  random?: () => number;
}

export interface WebhookOptions {
  baseUrl: string;
  secret: string;
  previousSecrets?: readonly string[];
}

export interface CancelRequest {
  jobId: string;
  userId: string;
  /** Needed to cancel a job that really waits in the queue or runs. */
  confirm?: boolean;
}

export interface SlotsInfo {
  pool: string;
  cap: number;
  running: number;
  queued: number;
}

export const DEFAULT_TIMEOUTS: Required<RunnerTimeouts> = {
  staleStartMs: 15_000,
  lostStartMs: 60_000,
  startLeaseMs: 15_000,
  refundClaimMs: 60_000,
  storeCallMs: 5_000,
  billingCallMs: 5_000,
  maxQueueMs: null,
  providerStartMs: 30_000,
  providerUploadMs: 20_000,
  outputCopyMs: 600_000,
  providerCallMs: 15_000,
};

export const DEFAULT_FILES: Required<NonNullable<JobRunnerOptions['files']>> = {
  maxOutputBytes: 2 * 1024 ** 3,
  urlSeconds: 3_600,
};

export const DEFAULT_RETRY: Required<RunnerRetry> = {
  backoffMs: [3_000, 8_000, 15_000],
  jitter: 0.2,
  maxTransientAttempts: 3,
  statusGracePolls: 10,
};
