import {
  JobGateError,
  type Provider,
  type ProviderContext,
  type ProviderFile,
  type ProviderStartContext,
  type ProviderStatus,
  type ProviderUpdate,
} from '@jobgate/core';
import { MAX_WEBHOOK_BYTES, parseRunningHubWebhook } from './parseRunningHubWebhook.js';
import { promptTipsMessage } from './promptTips.js';
import {
  provablyNotTaken,
  RunningHubClient,
  type RunningHubClientOptions,
  type RunningHubEnvelope,
} from './runningHubClient.js';
import { type RunningHubTaskStatus, runningHubCodeInfo, TASK_STATE } from './runningHubCodes.js';
import { runningHubError } from './runningHubError.js';
import { statusFromOutputs } from './runningHubOutputs.js';
import { MAX_UPLOAD_BYTES, RUNNINGHUB_PATHS } from './runningHubPaths.js';
import { resolveRunningHubTarget } from './runningHubToolConfig.js';

export interface RunningHubProviderOptions extends RunningHubClientOptions {
  /** The provider id in webhook URLs (`/webhooks/{id}/{token}`). Default `runninghub`. */
  id?: string;
  /** Default `instanceType` for every start (a tool's mapping may set its own). */
  instanceType?: string;
}

export interface RunningHubAccountStatus {
  remainCoins: number | null;
  currentTaskCounts: number;
  remainMoney: number | null;
  currency: string | null;
  apiType: string | null;
}

function numberOrNull(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

function fileTypeOf(file: ProviderFile): string {
  const type = file.contentType.toLowerCase();
  if (type.startsWith('image/')) return 'image';
  if (type.startsWith('video/')) return 'video';
  if (type.startsWith('audio/')) return 'audio';
  if (type === 'application/zip' || type === 'application/x-zip-compressed') return 'zip';
  return 'input';
}

/**
 * jobgate's Provider for RunningHub (ComfyUI cloud). Starts an AI app or a workflow, as the
 * tool's `provider.target(input)` decides, with the job's own callback URL; reads status
 * and outputs (for heal); cancels; uploads inputs. Every failure is a
 * `JobGateError` with RunningHub's code as `providerCode` and a `kind` (see README).
 */
export class RunningHubProvider implements Provider {
  readonly id: string;
  /** RunningHub's callbacks are read up to {@link MAX_WEBHOOK_BYTES} (by a server, then the parser). */
  readonly maxWebhookBytes = MAX_WEBHOOK_BYTES;
  readonly client: RunningHubClient;
  readonly #instanceType: string | undefined;

  constructor(options: RunningHubProviderOptions) {
    this.id = options.id ?? 'runninghub';
    this.client = new RunningHubClient(options);
    this.#instanceType = options.instanceType;
  }

  async start(context: ProviderStartContext): Promise<{ taskId: string }> {
    const { job, tool, signal } = context;
    const target = resolveRunningHubTarget(tool, job.input);
    const instanceType = target.config.instanceType ?? this.#instanceType;
    const body: Record<string, unknown> = {
      ...(target.webappId !== undefined
        ? { webappId: target.webappId }
        : { workflowId: target.workflowId }),
      nodeInfoList: target.nodeInfoList,
      ...(context.webhookUrl ? { webhookUrl: context.webhookUrl } : {}),
      ...(instanceType ? { instanceType } : {}),
      ...(target.workflowId !== undefined && target.config.addMetadata !== undefined
        ? { addMetadata: target.config.addMetadata }
        : {}),
    };
    const path =
      target.webappId !== undefined ? RUNNINGHUB_PATHS.runAiApp : RUNNINGHUB_PATHS.createWorkflow;
    const envelope = await this.client.postJson(path, body, {
      operation: 'start',
      signal,
      attempts: this.client.retry.startAttempts,
      retryIf: provablyNotTaken,
      // A longer wait is the runner's job (it requeues with backoff).
      maxWaitMs: 1_000,
    });
    if (envelope.code !== 0) {
      // A refused prompt (433) says which node and file in ComfyUI's node_errors.
      const tip = promptTipsMessage(envelope.data);
      throw this.#error(tip ? { ...envelope, msg: `${envelope.msg}: ${tip}` } : envelope, 'start');
    }
    const data = (envelope.data ?? {}) as Record<string, unknown>;
    const taskId =
      typeof data.taskId === 'number' && Number.isSafeInteger(data.taskId)
        ? String(data.taskId)
        : data.taskId;
    if (typeof taskId !== 'string' || taskId.length === 0) {
      throw new JobGateError(
        'PROVIDER_ERROR',
        'RunningHub start answered success without a taskId',
        {
          kind: 'fatal',
          details: { provider: 'runninghub', operation: 'start' },
        },
      );
    }
    if (data.taskStatus === 'FAILED') {
      // ComfyUI refused the prompt at once; promptTips says which node.
      const tips = typeof data.promptTips === 'string' ? data.promptTips.slice(0, 500) : '';
      throw new JobGateError(
        'PROVIDER_REJECTED',
        `RunningHub refused the task ${taskId} at start${tips ? `: ${tips}` : ''}`,
        { kind: 'invalid', details: { provider: 'runninghub', operation: 'start', taskId } },
      );
    }
    return { taskId };
  }

  /**
   * The task's state; for a finished task also its outputs (or failure reason), so the
   * heal can end a job whose callback was lost.
   */
  async status(taskId: string, context?: Pick<ProviderContext, 'signal'>): Promise<ProviderStatus> {
    const signal = context?.signal;
    const envelope = await this.client.postJson(
      RUNNINGHUB_PATHS.status,
      { taskId },
      { operation: 'status', signal },
    );
    if (envelope.code !== 0) {
      if (runningHubCodeInfo(envelope.code)?.class === 'notFound') {
        return { state: 'unknown', error: { code: String(envelope.code), message: envelope.msg } };
      }
      throw this.#error(envelope, 'status');
    }
    const raw = typeof envelope.data === 'string' ? envelope.data.toUpperCase() : '';
    const state = Object.hasOwn(TASK_STATE, raw)
      ? TASK_STATE[raw as RunningHubTaskStatus]
      : 'unknown';
    if (state === 'completed' || state === 'failed') return this.outputs(taskId, signal);
    return { state };
  }

  /** Reads `/task/openapi/outputs`: completed with files, running (804), queued (813), failed. */
  async outputs(taskId: string, signal?: AbortSignal): Promise<ProviderStatus> {
    const envelope = await this.client.postJson(
      RUNNINGHUB_PATHS.outputs,
      { taskId },
      { operation: 'outputs', signal },
    );
    const cls = runningHubCodeInfo(envelope.code)?.class;
    // Inconclusive answers are errors, not a verdict on the task.
    if (cls === 'transient' || cls === 'busy' || cls === 'config' || cls === 'funds') {
      throw this.#error(envelope, 'outputs');
    }
    return statusFromOutputs(envelope);
  }

  /** Cancels a task. A task RunningHub no longer knows, or that already ended, counts as done. */
  async cancel(taskId: string, context?: Pick<ProviderContext, 'signal'>): Promise<void> {
    const envelope = await this.client.postJson(
      RUNNINGHUB_PATHS.cancel,
      { taskId },
      { operation: 'cancel', signal: context?.signal },
    );
    if (envelope.code === 0) return;
    const cls = runningHubCodeInfo(envelope.code)?.class;
    if (cls === 'notFound' || cls === 'failed') return;
    throw this.#error(envelope, 'cancel');
  }

  /**
   * Uploads an input file (multipart `apiKey`, `fileType`, `file`) and returns RunningHub's
   * `fileName`, the value for the node field. Files above 30 MB are refused before sending.
   */
  async upload(file: ProviderFile, signal?: AbortSignal): Promise<string> {
    const size = file.size;
    if (size > MAX_UPLOAD_BYTES) {
      throw new JobGateError(
        'PAYLOAD_TOO_LARGE',
        `${file.name} is ${size} bytes; RunningHub accepts at most ${MAX_UPLOAD_BYTES} bytes (30 MB)`,
        {
          providerCode: 809,
          kind: 'invalid',
          details: { provider: 'runninghub', operation: 'upload', size, limit: MAX_UPLOAD_BYTES },
        },
      );
    }
    const blob = await file.blob();
    const envelope = await this.client.postForm(
      RUNNINGHUB_PATHS.upload,
      (form) => {
        form.append('fileType', fileTypeOf(file));
        form.append('file', blob, file.name);
      },
      { operation: 'upload', signal },
    );
    if (envelope.code !== 0) throw this.#error(envelope, 'upload');
    const fileName = (envelope.data as { fileName?: unknown } | null)?.fileName;
    if (typeof fileName !== 'string' || fileName.length === 0) {
      throw new JobGateError('PROVIDER_ERROR', 'RunningHub upload answered without a fileName', {
        kind: 'fatal',
        details: { provider: 'runninghub', operation: 'upload' },
      });
    }
    return fileName;
  }

  /** The account's coins and running task count (`/uc/openapi/accountStatus`). */
  async accountStatus(signal?: AbortSignal): Promise<RunningHubAccountStatus> {
    const envelope = await this.client.postJson(
      RUNNINGHUB_PATHS.accountStatus,
      {},
      { operation: 'accountStatus', signal, keyField: 'apikey' },
    );
    if (envelope.code !== 0) throw this.#error(envelope, 'accountStatus');
    const data = (envelope.data ?? {}) as Record<string, unknown>;
    return {
      remainCoins: numberOrNull(data.remainCoins),
      currentTaskCounts: numberOrNull(data.currentTaskCounts) ?? 0,
      remainMoney: numberOrNull(data.remainMoney),
      currency: typeof data.currency === 'string' ? data.currency : null,
      apiType: typeof data.apiType === 'string' ? data.apiType : null,
    };
  }

  parseWebhook(request: Request): Promise<ProviderUpdate> {
    return parseRunningHubWebhook(request, this.maxWebhookBytes);
  }

  #error(envelope: RunningHubEnvelope, operation: string): JobGateError {
    return runningHubError(envelope.code, envelope.msg, { operation, data: envelope.data });
  }
}

export function createRunningHubProvider(options: RunningHubProviderOptions): RunningHubProvider {
  return new RunningHubProvider(options);
}
