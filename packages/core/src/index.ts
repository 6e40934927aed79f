/**
 * `@jobgate/core`: what an app needs to run jobs: the runner, tools, errors, the job and its
 * status, the ports an app plugs in (store, provider, file storage, billing, clock, uploader)
 * and the in-memory store. Store, provider and transport authors find their toolbox in
 * `@jobgate/core/adapter`; the browser side is `@jobgate/core/client`; test doubles are in
 * `@jobgate/core/testing`.
 *
 * @packageDocumentation
 */

export {
  ERROR_CODES,
  type ErrorCode,
  isJobGateError,
  JobGateError,
  toJobGateError,
} from './domain/errors.js';
export type { Job, JsonObject, JsonValue } from './domain/job.js';
export type { JobEvents } from './domain/jobEvents.js';
export { isActive, isTerminal, type JobStatus } from './domain/jobStatus.js';
export {
  type AnyTool,
  DEFAULT_POOL,
  defineTool,
  type ToolConfig,
  type ToolDefinition,
} from './domain/tool.js';
export type { FileRule } from './domain/toolForm.js';
export { MemoryStore } from './memory/memoryStore.js';
export type { Billing } from './ports/billing.js';
export type { Clock } from './ports/clock.js';
export type { FileStorage } from './ports/fileStorage.js';
export type { JobStore } from './ports/jobStore.js';
export type {
  Provider,
  ProviderContext,
  ProviderFile,
  ProviderStartContext,
  ProviderStatus,
  ProviderUpdate,
} from './ports/provider.js';
export { type Uploader, uploadPath } from './ports/uploader.js';
export type { HealReport } from './runner/healer.js';
export { createJobRunner, JobRunner } from './runner/jobRunner.js';
export { rpcBilling } from './runner/rpcBilling.js';
export type {
  CancelRequest,
  JobRunnerOptions,
  RunnerTimeouts,
  WebhookOptions,
} from './runner/runnerOptions.js';
export type { SubmitRequest } from './runner/submitRequest.js';
