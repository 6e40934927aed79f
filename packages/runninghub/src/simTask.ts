import { OUTPUTS_CODE, type RunningHubTaskStatus } from './runningHubCodes.js';
import { codeName } from './simAnswer.js';

export type SimTaskStatus = RunningHubTaskStatus;

/** A generated file held in memory: its bytes, content type and extension (`png`, `svg`, `mp4`…). */
export interface SimOutputFile {
  data: Uint8Array;
  contentType: string;
  ext: string;
}

/**
 * A generated file read when it is downloaded, never held whole (a large video on disk):
 * `chunks()` is called once per download and must yield exactly `size` bytes, which the
 * simulator announces as Content-Length. A download whose chunks end early, run over or
 * throw is cut (the client sees a broken body, never a wrong file).
 */
export interface SimOutputStream {
  size: number;
  contentType: string;
  ext: string;
  chunks(): AsyncIterable<Uint8Array>;
}

/** What a successful task produced, served at its output URL: bytes or a stream. */
export type SimOutput = SimOutputFile | SimOutputStream;

/** The size in bytes of an output. */
export function simOutputSize(file: SimOutput): number {
  return 'data' in file ? file.data.byteLength : file.size;
}

export interface SimNodeInfo {
  nodeId: string;
  fieldName: string;
  fieldValue: unknown;
}

export interface SimTask {
  taskId: string;
  apiKey: string;
  webappId: string | null;
  workflowId: string | null;
  nodeInfoList: SimNodeInfo[];
  webhookUrl: string | null;
  instanceType: string | null;
  status: SimTaskStatus;
  cancelled: boolean;
  createdAt: number;
  endedAt: number | null;
  /** Decided at creation from the seed. */
  willFail: boolean;
  loseWebhook: boolean;
  duplicateWebhook: boolean;
  /**
   * A random secret in the task's output URL (`/outputs/{taskId}/{outputToken}/0.ext`), so
   * nobody can fetch another task's result from its sequential id.
   */
  outputToken: string;
  /** The output file, once a successful task produced it. */
  outputFile?: SimOutput;
}

/** RunningHub's answer envelope, as the simulator writes it. */
export interface SimEnvelope {
  code: number;
  msg: string;
  data: unknown;
}

/** Where a task's output is served: `{baseUrl}/outputs/{taskId}/{outputToken}/0.{ext}`. */
export function simOutputUrl(task: SimTask, baseUrl: string, ext: string): string {
  return `${baseUrl}/outputs/${task.taskId}/${task.outputToken}/0.${ext}`;
}

/** QUEUED or RUNNING: the task holds one of its account's slots. */
export function isActiveSimTask(task: SimTask): boolean {
  return task.status === 'QUEUED' || task.status === 'RUNNING';
}

/**
 * What `/task/openapi/outputs` answers for a task, also the `eventData` of its TASK_END
 * callback: the file URLs under `baseUrl` once it succeeded, ComfyUI's failure otherwise.
 */
export function simTaskEnvelope(task: SimTask, baseUrl: string): SimEnvelope {
  const code = OUTPUTS_CODE[task.status];
  switch (task.status) {
    case 'QUEUED':
    case 'RUNNING':
      return { code, msg: codeName(code), data: null };
    case 'FAILED':
      return {
        code,
        msg: codeName(code),
        data: {
          failedReason: {
            node_name: task.cancelled ? 'RunningHub' : 'KSampler',
            node_id: task.cancelled ? '' : '3',
            exception_type: task.cancelled ? 'Cancelled' : 'RuntimeError',
            exception_message: task.cancelled
              ? 'the task was cancelled'
              : 'the simulated workflow failed',
            traceback: '[]',
            current_inputs: '{}',
            current_outputs: '{}',
          },
        },
      };
    case 'SUCCESS': {
      const video = task.nodeInfoList.some((n) => n.fieldName === 'video');
      const ext = task.outputFile?.ext ?? (video ? 'mp4' : 'png');
      return {
        code,
        msg: codeName(code),
        data: [
          {
            fileUrl: simOutputUrl(task, baseUrl, ext),
            fileType: ext,
            taskCostTime: String(
              Math.max(0, Math.round(((task.endedAt ?? 0) - task.createdAt) / 1000)),
            ),
            nodeId: video ? '12' : '9',
          },
        ],
      };
    }
  }
}
