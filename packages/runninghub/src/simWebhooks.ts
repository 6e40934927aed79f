import type { SimRuntime } from './simRuntime.js';
import { type SimTask, simTaskEnvelope } from './simTask.js';

export interface SimDelivery {
  taskId: string;
  url: string;
  body: string;
  /** HTTP status of the receiver, or null if it could not be reached / was lost. */
  status: number | null;
  lost: boolean;
  error?: string;
}

/**
 * RunningHub's completion callbacks: a TASK_END POSTed to the task's `webhookUrl`, once,
 * twice or never, as the task decided at creation. Every attempt is recorded.
 */
export class SimWebhooks {
  readonly deliveries: SimDelivery[] = [];
  readonly #runtime: SimRuntime;

  constructor(runtime: SimRuntime) {
    this.#runtime = runtime;
  }

  deliver(task: SimTask): void {
    if (!task.webhookUrl) return;
    const body = JSON.stringify({
      event: 'TASK_END',
      taskId: task.taskId,
      eventData: JSON.stringify(simTaskEnvelope(task, this.#runtime.baseUrl)),
    });
    if (task.loseWebhook) {
      this.deliveries.push({
        taskId: task.taskId,
        url: task.webhookUrl,
        body,
        status: null,
        lost: true,
      });
      return;
    }
    const copies = task.duplicateWebhook ? 2 : 1;
    const url = task.webhookUrl;
    const send = async () => {
      for (let i = 0; i < copies; i++) {
        const record: SimDelivery = { taskId: task.taskId, url, body, status: null, lost: false };
        this.deliveries.push(record);
        try {
          const response = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
            signal: AbortSignal.timeout(10_000),
          });
          await response.arrayBuffer().catch(() => undefined);
          record.status = response.status;
        } catch (error) {
          record.error = error instanceof Error ? error.message : String(error);
        }
      }
    };
    this.#runtime.track(send());
  }
}
