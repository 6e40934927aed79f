export { type Billing, MemoryBilling } from './billing.js';
export { type Clock, FakeClock, isoAt, systemClock, type TimerHandle } from './clock.js';
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
} from './errors.js';
export { base64Url, hmacSha256 } from './hmacSha256.js';
export {
  type CreditState,
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
} from './job.js';
export type { JobEventName, JobEvents } from './jobEvents.js';
export {
  type CancelRequest,
  createJobRunner,
  type HealReport,
  isRealQueued,
  JobRunner,
  type JobRunnerOptions,
  type RunnerRetry,
  type RunnerTimeouts,
  type SlotsInfo,
  type SubmitRequest,
} from './jobRunner.js';
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
} from './jobStatus.js';
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
  JobStore,
  RequeueOptions,
  SlotOptions,
  StartResult,
  StoreCapabilities,
} from './jobStore.js';
export { MemoryStore } from './memoryStore.js';
export {
  isTaskNotFound,
  type Provider,
  type ProviderContext,
  type ProviderFile,
  type ProviderStartContext,
  type ProviderState,
  type ProviderStatus,
  type ProviderUpdate,
} from './provider.js';
export { seededRandom } from './seededRandom.js';
export {
  createSimulatedProvider,
  SimulatedProvider,
  type SimulatedProviderOptions,
  type SimulatedRates,
} from './simulatedProvider.js';
export {
  createSlotPolicy,
  fitsCaps,
  newJobRuns,
  poolCap,
  type SlotLimits,
  type SlotPolicy,
  type SlotPolicyOptions,
  selectPromotions,
} from './slotPolicy.js';
export {
  formatIssues,
  type InferOutput,
  type StandardIssue,
  type StandardSchemaV1,
} from './standardSchema.js';
export { isStoreUnavailable, STORE_RETRY_AFTER_MS, withStoreDeadline } from './storeDeadline.js';
export {
  type AnyTool,
  createToolRegistry,
  DEFAULT_POOL,
  defineTool,
  type ToolConfig,
  type ToolDefinition,
  ToolRegistry,
} from './tool.js';
export { type Uploader, type UploadRequest, type UploadResult, uploadPath } from './uploader.js';
export { timingSafeEqual, verifyWebhookToken, webhookToken } from './webhookToken.js';
