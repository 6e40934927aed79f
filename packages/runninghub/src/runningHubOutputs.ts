import type { ProviderStatus } from '@jobgate/core';
import type { RunningHubEnvelope } from './runningHubClient.js';
import { OUTPUTS_CODE, runningHubCodeInfo, TASK_STATE } from './runningHubCodes.js';

/** One generated file, as jobgate stores it in `job.output.outputs`. */
export type RunningHubOutputFile = {
  url: string;
  fileType: string | null;
  nodeId: string | null;
  /** RunningHub's `taskCostTime` (seconds), when it reports one. */
  costTimeSec: number | null;
};

/**
 * The job output of a finished task: `files` (the URLs, in RunningHub's order) and
 * `outputs` (each file with its type and node).
 */
export type RunningHubOutput = {
  files: string[];
  outputs: RunningHubOutputFile[];
};

function str(value: unknown): string | null {
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

/** Normalises RunningHub's outputs `data` array (missing or malformed entries are skipped). */
export function outputOf(data: unknown): RunningHubOutput {
  const outputs: RunningHubOutputFile[] = [];
  if (Array.isArray(data)) {
    for (const item of data) {
      if (typeof item !== 'object' || item === null) continue;
      const record = item as Record<string, unknown>;
      const url = str(record.fileUrl);
      if (url === null) continue;
      const cost = Number(record.taskCostTime);
      outputs.push({
        url,
        fileType: str(record.fileType),
        nodeId: str(record.nodeId),
        costTimeSec: record.taskCostTime === undefined || Number.isNaN(cost) ? null : cost,
      });
    }
  }
  return { files: outputs.map((o) => o.url), outputs };
}

/** The message of a failed task: ComfyUI's exception and node when RunningHub gives them. */
export function failureMessage(envelope: RunningHubEnvelope): string {
  const data = envelope.data;
  const reason =
    typeof data === 'object' && data !== null
      ? (data as { failedReason?: unknown }).failedReason
      : undefined;
  if (typeof reason === 'object' && reason !== null) {
    const r = reason as Record<string, unknown>;
    const message = str(r.exception_message) ?? str(r.exception_type);
    const node = str(r.node_name) ?? str(r.node_id);
    if (message) return node ? `${message} (node ${node})` : message;
  }
  if (typeof reason === 'string' && reason.length > 0) return reason;
  return envelope.msg || runningHubCodeInfo(envelope.code)?.description || 'the task failed';
}

/**
 * Reads an outputs answer (also the `eventData` of a webhook) as a task state:
 * code 0 → completed with the files; 804 → running; 813 → pending (queued at RunningHub);
 * 805 and other failure codes → failed with RunningHub's code and reason; 807/423 → unknown.
 */
export function statusFromOutputs(envelope: RunningHubEnvelope): ProviderStatus {
  const { code } = envelope;
  if (code === OUTPUTS_CODE.SUCCESS) {
    const output = outputOf(envelope.data);
    // Every file of a task repeats the task's run time: that is its cost at RunningHub.
    const seconds = output.outputs.find((o) => o.costTimeSec !== null)?.costTimeSec ?? null;
    return {
      state: 'completed',
      progress: 1,
      output,
      ...(seconds === null ? {} : { cost: { cost: seconds, unit: 'seconds' } }),
    };
  }
  const info = runningHubCodeInfo(code);
  if (code === OUTPUTS_CODE.RUNNING) return { state: TASK_STATE.RUNNING };
  if (code === OUTPUTS_CODE.QUEUED) return { state: TASK_STATE.QUEUED };
  const error = { code: String(code), message: failureMessage(envelope) };
  if (info?.class === 'notFound') return { state: 'unknown', error };
  return { state: 'failed', error };
}
