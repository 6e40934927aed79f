/**
 * `@jobgate/core/adapter`: the toolbox of store, provider and transport authors (the
 * packages `@jobgate/postgres`, `@jobgate/supabase`, `@jobgate/runninghub` and
 * `@jobgate/server` are built on it). Apps import from `@jobgate/core`; nothing here is
 * needed to run jobs, only to write a new `JobStore`, `Provider`, `FileStorage` or HTTP
 * adapter. The same rules the memory store and the runner use, so every adapter agrees.
 *
 * @packageDocumentation
 */

export { checkBuckets, DEFAULT_BUCKETS } from './domain/checkBuckets.js';
export { extensionFor, SNIFF_BYTES, sniffContentType } from './domain/contentType.js';
export { isErrorCode, type JobGateErrorOptions, type ProviderErrorKind } from './domain/errors.js';
export { type HealVerdict, type HealWindows, healVerdict } from './domain/healVerdict.js';
export {
  type CreditState,
  isoAt,
  type JobRow,
  jobFromRow,
  jobIdSchema,
  jobRecord,
  jobToRow,
  type NewJob,
} from './domain/job.js';
export { TERMINAL_STATUSES } from './domain/jobStatus.js';
export { movedQueues, type QueueChange } from './domain/movedQueues.js';
export { type OutputFile, outputFileUrls } from './domain/outputFile.js';
export { publicMessageOf } from './domain/publicMessage.js';
export {
  createSlotPolicy,
  poolCap,
  type SlotLimits,
  type SlotPolicy,
  selectPromotions,
} from './domain/slotPolicy.js';
export type { StandardSchemaV1 } from './domain/standardSchema.js';
export { ToolRegistry } from './domain/tool.js';
export type {
  CreditBalance,
  CreditLedger,
  LedgerEntry,
  LedgerKind,
  ProviderCost,
} from './ports/billing.js';
export { systemClock, type TimerHandle } from './ports/clock.js';
export type { FileWriteOptions, StoredFile } from './ports/fileStorage.js';
export type {
  CreateOptions,
  CreateResult,
  FinishOptions,
  FinishOutcome,
  FinishResult,
  HealOptions,
  HealResult,
  JobChange,
  JobQuery,
  RequeueOptions,
  SlotOptions,
  StartResult,
  StoreCapabilities,
  StoreHealResult,
} from './ports/jobStore.js';
export { isTaskNotFound, type ProviderState } from './ports/provider.js';
export type { UploadRequest, UploadResult } from './ports/uploader.js';
export { base64Url, hmacSha256 } from './runner/hmacSha256.js';
export type { StoredOutputFile } from './runner/outputCopy.js';
export type { RpcBillingOptions, RpcFunction } from './runner/rpcBilling.js';
export type { RunnerRetry, SlotsInfo } from './runner/runnerOptions.js';
export {
  isStoreUnavailable,
  STORE_RETRY_AFTER_MS,
  withinStoreDeadline,
  withStoreDeadline,
} from './runner/storeDeadline.js';
export {
  timingSafeEqual,
  verifyWebhookToken,
  type WebhookTokenClaims,
  webhookToken,
} from './runner/webhookToken.js';
