import type { ErrorCode, ProviderStatus } from '@jobgate/core';
import type { ProviderErrorKind } from '@jobgate/core/adapter';

/**
 * How jobgate treats a RunningHub answer code.
 * - `busy`: the account is full; the job stays queued and is retried with backoff.
 * - `pending`: not a failure, the task is still queued or running (outputs endpoint).
 * - `invalid`: the input or the tool mapping is wrong; fail now.
 * - `config`: the account or API key is wrong; fail now and tell the operator.
 * - `funds`: the account has no money left; fail now and tell the operator.
 * - `failed`: the task itself failed (outputs/webhook); the job ends failed.
 * - `notFound`: no such task for this key.
 * - `transient`: a server-side fault that may pass; retried a bounded number of times.
 */
export type RunningHubCodeClass =
  | 'busy'
  | 'pending'
  | 'invalid'
  | 'config'
  | 'funds'
  | 'failed'
  | 'notFound'
  | 'transient';

export interface RunningHubCodeInfo {
  /** RunningHub's identifier (its `msg` for that code). */
  name: string;
  class: RunningHubCodeClass;
  /** What it means, in words for an error message. */
  description: string;
}

/**
 * RunningHub's answer codes (HTTP 200 with a non-zero `code`), from its public API error
 * code reference, plus the busy codes seen from its newer endpoints (814, 1003, 1011, 1520).
 */
export const RUNNINGHUB_CODES = {
  301: { name: 'PARAMS_INVALID', class: 'invalid', description: 'invalid or missing parameters' },
  380: {
    name: 'WORKFLOW_NOT_EXISTS',
    class: 'invalid',
    description: 'the workflow does not exist',
  },
  412: {
    name: 'TOKEN_INVALID',
    class: 'config',
    description: 'the API path is wrong (check baseUrl)',
  },
  415: {
    name: 'TASK_INSTANCE_MAXED',
    class: 'busy',
    description: 'no dedicated instance is free',
  },
  416: {
    name: 'TASK_CREATE_FAILED_BY_NOT_ENOUGH_WALLET',
    class: 'funds',
    description: 'the wallet balance is too low',
  },
  421: {
    name: 'TASK_QUEUE_MAXED',
    class: 'busy',
    description: 'the account is at its concurrent task limit',
  },
  423: { name: 'TASK_NOT_FOUNED', class: 'notFound', description: 'the task was not found' },
  433: {
    name: 'VALIDATE_PROMPT_FAILED',
    class: 'invalid',
    description: 'the workflow refused the input (validation failed)',
  },
  435: {
    name: 'TASK_USER_EXCLAPI_INSTANCE_NOT_FOUND',
    class: 'config',
    description: 'no instance of the requested type for this account',
  },
  436: {
    name: 'TASK_USER_EXCLAPI_REQUIRED',
    class: 'config',
    description: 'the dedicated-instance membership has expired',
  },
  500: {
    name: 'UNKNOWN_ERROR',
    class: 'transient',
    description: 'RunningHub had an internal error',
  },
  801: {
    name: 'APIKEY_UNSUPPORTED_FREE_USER',
    class: 'config',
    description: 'the API key is not allowed to use the API (free plan or unknown key)',
  },
  802: {
    name: 'APIKEY_UNAUTHORIZED',
    class: 'config',
    description: 'the API key is unauthorized or expired',
  },
  803: {
    name: 'APIKEY_INVALID_NODE_INFO',
    class: 'invalid',
    description: 'nodeInfoList does not match the workflow or app',
  },
  804: { name: 'APIKEY_TASK_IS_RUNNING', class: 'pending', description: 'the task is running' },
  805: { name: 'APIKEY_TASK_STATUS_ERROR', class: 'failed', description: 'the task failed' },
  806: {
    name: 'APIKEY_USER_NOT_FOUND',
    class: 'config',
    description: 'no user for this API key',
  },
  807: { name: 'APIKEY_TASK_NOT_FOUND', class: 'notFound', description: 'the task was not found' },
  808: { name: 'APIKEY_UPLOAD_FAILED', class: 'invalid', description: 'the file upload failed' },
  809: {
    name: 'APIKEY_FILE_SIZE_EXCEEDED',
    class: 'invalid',
    description: 'the file is larger than allowed',
  },
  810: {
    name: 'WORKFLOW_NOT_SAVED_OR_NOT_RUNNING',
    class: 'invalid',
    description: 'the workflow was never saved or run successfully',
  },
  811: {
    name: 'CORPAPIKEY_INVALID',
    class: 'config',
    description: 'the enterprise API key is invalid',
  },
  812: {
    name: 'CORPAPIKEY_INSUFFICIENT_FUNDS',
    class: 'funds',
    description: 'the account balance is insufficient',
  },
  813: { name: 'APIKEY_TASK_IS_QUEUED', class: 'pending', description: 'the task is queued' },
  814: {
    name: 'PERSONAL_QUEUE_COUNT_LIMIT',
    class: 'busy',
    description: 'the personal queue is full',
  },
  901: { name: 'WEBAPP_NOT_EXISTS', class: 'invalid', description: 'the AI app does not exist' },
  1003: { name: 'RATE_LIMITED', class: 'busy', description: 'too many requests, slow down' },
  1011: { name: 'MODEL_BUSY', class: 'busy', description: 'the model is busy' },
  1520: {
    name: 'CONCURRENCY_LIMIT',
    class: 'busy',
    description: 'the account is at its concurrent task limit',
  },
} as const satisfies Record<number, RunningHubCodeInfo>;

export type RunningHubCode = keyof typeof RUNNINGHUB_CODES;

/** The entry for a code, or undefined for a code RunningHub never documented. */
export function runningHubCodeInfo(code: number): RunningHubCodeInfo | undefined {
  return Object.hasOwn(RUNNINGHUB_CODES, code)
    ? RUNNINGHUB_CODES[code as RunningHubCode]
    : undefined;
}

/** The jobgate error code and kind a code class maps to (`pending` is not an error). */
export const CLASS_TO_ERROR: Record<
  Exclude<RunningHubCodeClass, 'pending'>,
  { code: ErrorCode; kind: ProviderErrorKind }
> = {
  busy: { code: 'PROVIDER_BUSY', kind: 'busy' },
  invalid: { code: 'PROVIDER_REJECTED', kind: 'invalid' },
  config: { code: 'PROVIDER_CONFIG', kind: 'fatal' },
  funds: { code: 'PROVIDER_CONFIG', kind: 'fatal' },
  failed: { code: 'PROVIDER_ERROR', kind: 'fatal' },
  notFound: { code: 'PROVIDER_ERROR', kind: 'fatal' },
  transient: { code: 'PROVIDER_ERROR', kind: 'transient' },
};

/** RunningHub's task states, as `/task/openapi/status` answers them. */
export type RunningHubTaskStatus = 'QUEUED' | 'RUNNING' | 'SUCCESS' | 'FAILED';

/** jobgate's provider state for each RunningHub task state. */
export const TASK_STATE: Record<RunningHubTaskStatus, ProviderStatus['state']> = {
  QUEUED: 'pending',
  RUNNING: 'running',
  SUCCESS: 'completed',
  FAILED: 'failed',
};

/**
 * The code `/task/openapi/outputs` answers (and a TASK_END callback carries) for a task in
 * each state: the provider reads these, the simulator writes them.
 */
export const OUTPUTS_CODE = {
  QUEUED: 813,
  RUNNING: 804,
  SUCCESS: 0,
  FAILED: 805,
} as const satisfies Record<RunningHubTaskStatus, number>;
