import { OUTPUTS_CODE, type RunningHubTaskStatus } from './runningHubCodes.js';
import { codeName } from './simAnswer.js';

export type SimTaskStatus = RunningHubTaskStatus;

/** A generated file: its bytes, content type and extension (`png`, `svg`, `mp4`…). */
export interface SimOutputFile {
  data: Uint8Array;
  contentType: string;
  ext: string;
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
  /** The output file, once a successful task produced it. */
  outputFile?: SimOutputFile;
}

/** RunningHub's answer envelope, as the simulator writes it. */
export interface SimEnvelope {
  code: number;
  msg: string;
  data: unknown;
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
            fileUrl: `${baseUrl}/outputs/${task.taskId}/0.${ext}`,
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
