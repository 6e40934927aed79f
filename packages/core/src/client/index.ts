/**
 * `@jobgate/core/client`: the browser side. Safe for browsers, Deno and workers (no Node
 * built-ins, no zod): the JobClient, its transports and update sources, and the errors.
 */

export {
  ERROR_CODES,
  type ErrorCode,
  errorFromJSON,
  isErrorCode,
  isJobGateError,
  JobGateError,
  statusToCode,
  toJobGateError,
} from '../domain/errors.js';
export type { Job, JsonObject, JsonValue } from '../domain/job.js';
export {
  type ActiveStatus,
  isActive,
  isTerminal,
  JOB_STATUSES,
  type JobStatus,
  type TerminalStatus,
} from '../domain/jobStatus.js';
export { type OutputFile, outputFileUrls } from '../domain/outputFile.js';
export type { FieldText, FileRule, FormField, ToolForm } from '../domain/toolForm.js';
export type { CreditBalance } from '../ports/billing.js';
export { type Clock, systemClock, type TimerHandle } from '../ports/clock.js';
export type { Uploader, UploadRequest, UploadResult } from '../ports/uploader.js';
export { errorFromResponse } from './errorFromResponse.js';
export {
  type FetchTransport,
  type FetchTransportOptions,
  fetchTransport,
  type QueueAnswer,
  type QueueTransport,
  type SlotsAnswer,
  type TokenGetter,
} from './fetchTransport.js';
export { createJobClient, JobClient } from './jobClient.js';
export type { JobClientOptions } from './jobClientOptions.js';
export { IDLE_STATE, type JobClientState, type JobClientStatus } from './jobClientState.js';
export { isJob, isRealQueued, jobError, needsConfirm, randomJobId } from './jobHelpers.js';
export type { JobTransport, JobUpdateSource, Quote } from './jobTransport.js';
export { type PollingUpdatesOptions, pollingUpdates } from './pollingUpdates.js';
export {
  createSseParser,
  type SseEvent,
  type SseUpdatesOptions,
  sseUpdates,
} from './sseUpdates.js';
export { createStateStore, type ReadableStore, type StateStore } from './stateStore.js';
export type {
  RunTypes,
  ToolById,
  ToolFileField,
  ToolFiles,
  ToolId,
  ToolInput,
  ToolRun,
  ToolRunArgs,
  ToolSet,
  ToolTypeSource,
  TypedJobClient,
  UntypedRun,
} from './toolTypes.js';
export type { ClientFile } from './uploadFiles.js';
