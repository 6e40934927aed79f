import type { Job, JsonValue } from '../domain/job.js';
import type { AnyTool } from '../domain/tool.js';
import type { ProviderCost } from './billing.js';

export interface ProviderContext {
  job: Job;
  tool: AnyTool;
  signal: AbortSignal;
}

export interface ProviderStartContext extends ProviderContext {
  /** Where the provider should call back for this job (carries the job id and its token). */
  webhookUrl: string | undefined;
}

export type ProviderState =
  | 'pending'
  | 'running'
  | 'completed'
  | 'failed'
  | 'cancelled'
  | 'unknown';

/**
 * A task's state at the provider. `unknown` with an `error` means the provider does not know
 * the task (RunningHub "task not found"): heal ends the job as TASK_LOST. `unknown`
 * without an error says nothing.
 */
export interface ProviderStatus {
  state: ProviderState;
  /** 0..1, where the provider reports it. */
  progress?: number;
  output?: JsonValue;
  error?: { code: string; message: string };
  /** What the task cost at the provider, where it says (recorded beside the credits). */
  cost?: ProviderCost;
}

/** True when the provider answered that it does not know the task. */
export function isTaskNotFound(status: ProviderStatus): boolean {
  return status.state === 'unknown' && status.error !== undefined;
}

/** A status update pushed by the provider (webhook) or pulled by a heal pass. */
export interface ProviderUpdate extends ProviderStatus {
  taskId: string;
}

/**
 * An input file of a job, as the runner hands it to {@link Provider.upload}: read from the
 * app's storage only when the provider asks for it.
 */
export interface ProviderFile {
  /** The input field it fills (e.g. `person`). */
  field: string;
  /** Its file name, the last segment of its storage path (e.g. `person.webp`). */
  name: string;
  contentType: string;
  /** Bytes. */
  size: number;
  /** The bytes. */
  blob(): Promise<Blob>;
  /** A signed URL of the stored file, valid for an hour, for a provider that fetches its inputs. */
  url(): Promise<string>;
}

/**
 * A GPU provider. Errors are `JobGateError`s whose `kind` says what to do:
 * `busy` (keep the job queued, retry with backoff), `invalid` (fail now),
 * `transient` (retry a bounded number of times), `fatal` (fail now).
 */
export interface Provider {
  readonly id: string;
  /**
   * The largest callback body this provider sends, in bytes: a server reads a webhook's body
   * up to this many bytes (PAYLOAD_TOO_LARGE past it) before {@link Provider.parseWebhook}
   * sees it. Omitted: the server's limit for request bodies (`maxBodyBytes`) applies.
   */
  readonly maxWebhookBytes?: number;
  /** Starts the job; resolves with the provider's task id. */
  start(context: ProviderStartContext): Promise<{ taskId: string }>;
  status(taskId: string, context: ProviderContext): Promise<ProviderStatus>;
  cancel(taskId: string, context: ProviderContext): Promise<void>;
  /**
   * Hands an input file to the provider before the start: resolves with the value the
   * provider expects in the tool's input field (RunningHub: the `fileName` of its upload;
   * a provider that fetches URLs: `file.url()`). Throws PAYLOAD_TOO_LARGE for a file over its
   * limit. Called once per file and attempt; a job retried after a busy answer reuses the
   * values of its first upload.
   */
  upload(file: ProviderFile, signal: AbortSignal): Promise<string>;
  /** Parses a callback the provider sent; throws VALIDATION for a malformed one. */
  parseWebhook(request: Request): Promise<ProviderUpdate>;
}
