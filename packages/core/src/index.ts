export { checkBuckets, DEFAULT_BUCKETS } from './domain/checkBuckets.js';
export { extensionFor, SNIFF_BYTES, sniffContentType } from './domain/contentType.js';
export {
  ERROR_CODES,
  type ErrorCode,
  errorFromJSON,
  isErrorCode,
  isJobGateError,
  JobGateError,
  type JobGateErrorOptions,
  type ProviderErrorKind,
  statusToCode,
  toJobGateError,
} from './domain/errors.js';
export {
  checkFileFields,
  type FileOwner,
  isJobInputPath,
  OUTPUT_FILE_PREFIX,
} from './domain/fileFields.js';
export { type HealVerdict, type HealWindows, healVerdict } from './domain/healVerdict.js';
export {
  type CreditState,
  isoAt,
  type Job,
  type JobRow,
  type JsonObject,
  type JsonValue,
  jobFromRow,
  jobIdSchema,
  jobRecord,
  jobSchema,
  jobStatusSchema,
  jobToRow,
  jsonObjectSchema,
  jsonValueSchema,
  type NewJob,
} from './domain/job.js';
export type { JobEventName, JobEvents } from './domain/jobEvents.js';
export {
  ACTIVE_STATUSES,
  type ActiveStatus,
  assertTransition,
  canTransition,
  isActive,
  isTerminal,
  JOB_STATUSES,
  type JobStatus,
  TERMINAL_STATUSES,
  type TerminalStatus,
  TRANSITIONS,
} from './domain/jobStatus.js';
export { keepsLateOutput } from './domain/keepsLateOutput.js';
export { movedQueues, type QueueChange } from './domain/movedQueues.js';
export { isRealQueued, needsConfirm } from './domain/needsConfirm.js';
export { type OutputFile, outputFileUrls } from './domain/outputFile.js';
export { PUBLIC_MESSAGES, publicMessageOf } from './domain/publicMessage.js';
export { type RefundPolicy, refundDue } from './domain/refundPolicy.js';
export {
  createSlotPolicy,
  fitsCaps,
  newJobRuns,
  poolCap,
  type SlotLimits,
  type SlotPolicy,
  type SlotPolicyOptions,
  selectPromotions,
} from './domain/slotPolicy.js';
export {
  formatIssues,
  type InferOutput,
  type StandardIssue,
  type StandardSchemaV1,
} from './domain/standardSchema.js';
export {
  type AnyTool,
  createToolRegistry,
  DEFAULT_POOL,
  defineTool,
  type ToolConfig,
  type ToolDefinition,
  ToolRegistry,
} from './domain/tool.js';
export { MemoryStore } from './memory/memoryStore.js';
export type {
  Billing,
  CreditBalance,
  CreditLedger,
  LedgerEntry,
  LedgerKind,
  ProviderCost,
} from './ports/billing.js';
export { type Clock, systemClock, type TimerHandle } from './ports/clock.js';
export type { FileStorage, FileWriteOptions, StoredFile } from './ports/fileStorage.js';
export type {
  CreateOptions,
  CreateResult,
  FinishOptions,
  FinishOutcome,
  FinishResult,
  HealOptions,
  JobChange,
  JobQuery,
  JobStore,
  RequeueOptions,
  SlotOptions,
  StartResult,
  StoreCapabilities,
  StoreHealResult,
} from './ports/jobStore.js';
export {
  isTaskNotFound,
  type Provider,
  type ProviderContext,
  type ProviderFile,
  type ProviderStartContext,
  type ProviderState,
  type ProviderStatus,
  type ProviderUpdate,
} from './ports/provider.js';
export {
  type Uploader,
  type UploadRequest,
  type UploadResult,
  uploadPath,
} from './ports/uploader.js';
export type { HealReport } from './runner/healer.js';
export { base64Url, hmacSha256 } from './runner/hmacSha256.js';
export { createJobRunner, JobRunner } from './runner/jobRunner.js';
export type { StoredOutputFile } from './runner/outputCopy.js';
export { type RpcBillingOptions, type RpcFunction, rpcBilling } from './runner/rpcBilling.js';
export type {
  CancelRequest,
  JobRunnerOptions,
  RunnerRetry,
  RunnerTimeouts,
  SlotsInfo,
  WebhookOptions,
} from './runner/runnerOptions.js';
export {
  isStoreUnavailable,
  STORE_RETRY_AFTER_MS,
  withinStoreDeadline,
  withStoreDeadline,
} from './runner/storeDeadline.js';
export type { SubmitRequest } from './runner/submitRequest.js';
export {
  timingSafeEqual,
  verifyWebhookToken,
  type WebhookTokenClaims,
  webhookToken,
} from './runner/webhookToken.js';
