export { MAX_WEBHOOK_BYTES, parseRunningHubWebhook } from './parseRunningHubWebhook.js';
export {
  DEFAULT_BASE_URL,
  type RunningHubClientOptions,
  type RunningHubEnvelope,
  type RunningHubRetry,
  type RunningHubTimeouts,
} from './runningHubClient.js';
export {
  RUNNINGHUB_CODES,
  type RunningHubCode,
  type RunningHubCodeClass,
  type RunningHubCodeInfo,
  type RunningHubTaskStatus,
  runningHubCodeInfo,
} from './runningHubCodes.js';
export { runningHubError } from './runningHubError.js';
export {
  outputOf,
  type RunningHubOutput,
  type RunningHubOutputFile,
  statusFromOutputs,
} from './runningHubOutputs.js';
export { MAX_UPLOAD_BYTES, RUNNINGHUB_PATHS } from './runningHubPaths.js';
export {
  createRunningHubProvider,
  type RunningHubAccountStatus,
  RunningHubProvider,
  type RunningHubProviderOptions,
} from './runningHubProvider.js';
export {
  type RunningHubNodeInfo,
  type RunningHubTarget,
  type RunningHubToolConfig,
  resolveRunningHubTarget,
  runningHubConfigOf,
} from './runningHubToolConfig.js';
