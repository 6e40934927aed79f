import { randomBytes } from 'node:crypto';
import type { RunningHubSimulatorOptions } from './runningHubSimulatorOptions.js';
import { simDefaultOutput } from './simDefaultOutput.js';
import type { SimFaults } from './simFaults.js';
import type { SimInput } from './simFileNodes.js';
import type { SimRuntime } from './simRuntime.js';
import { isActiveSimTask, type SimTask } from './simTask.js';

type Timer = ReturnType<typeof setTimeout>;

/** What a start asks for; the rest of a task is decided by the simulator. */
export type SimTaskRequest = Pick<
  SimTask,
  'apiKey' | 'webappId' | 'workflowId' | 'nodeInfoList' | 'webhookUrl' | 'instanceType'
>;

/**
 * The account's tasks and their lifecycle: QUEUED → RUNNING → SUCCESS or FAILED, on timers
 * (or by finish() in manual mode), within the account's concurrency limit. `onEnd` hears of
 * every task that ends by itself or by finish(); a cancel sends no callback.
 */
export class SimTasks {
  readonly tasks = new Map<string, SimTask>();
  concurrency: number;
  /** The highest number of active tasks seen at once. */
  maxActive = 0;
  #nextTask = 1;
  readonly #timers = new Map<string, Timer[]>();
  /** The uploads each active task reads, handed to `output` when it ends, then let go. */
  readonly #inputs = new Map<string, readonly SimInput[]>();
  readonly #runtime: SimRuntime;
  readonly #faults: SimFaults;
  readonly #options: RunningHubSimulatorOptions;
  readonly #onEnd: (task: SimTask) => void;

  constructor(
    runtime: SimRuntime,
    faults: SimFaults,
    options: RunningHubSimulatorOptions,
    onEnd: (task: SimTask) => void,
  ) {
    this.#runtime = runtime;
    this.#faults = faults;
    this.#options = options;
    this.#onEnd = onEnd;
    this.concurrency = options.concurrency ?? 3;
  }

  /** Tasks QUEUED or RUNNING, of one key or of all. */
  active(apiKey?: string): number {
    let n = 0;
    for (const task of this.tasks.values()) {
      if (isActiveSimTask(task) && (!apiKey || task.apiKey === apiKey)) n++;
    }
    return n;
  }

  /**
   * Creates and schedules a task reading `inputs` (the uploads its file fields name), or
   * answers null when the account is busy (421).
   */
  start(request: SimTaskRequest, inputs: readonly SimInput[] = []): SimTask | null {
    const busy = this.#faults.busy();
    if (this.active(request.apiKey) >= this.concurrency || busy) return null;
    const taskId = String(1_900_000_000_000_000_000n + BigInt(this.#nextTask++));
    const task: SimTask = {
      taskId,
      ...request,
      status: 'QUEUED',
      cancelled: false,
      createdAt: Date.now(),
      endedAt: null,
      ...this.#faults.fate(),
      // Not from the seed: a secret must not be predictable from the simulator's settings.
      outputToken: randomBytes(18).toString('base64url'),
    };
    this.tasks.set(taskId, task);
    this.#inputs.set(taskId, inputs);
    this.#schedule(task);
    this.maxActive = Math.max(this.maxActive, this.active());
    return task;
  }

  /** The task `taskId` names, if it belongs to `apiKey` (RunningHub hides the others). */
  own(apiKey: string, taskId: unknown): SimTask | null {
    const raw = typeof taskId === 'number' ? String(taskId) : taskId;
    if (typeof raw !== 'string') return null;
    const task = this.tasks.get(raw);
    return task && task.apiKey === apiKey ? task : null;
  }

  /** Ends an active task now, as FAILED and without a callback; an ended task stays as is. */
  cancel(task: SimTask): void {
    if (!isActiveSimTask(task)) return;
    task.cancelled = true;
    this.#clearTimers(task.taskId);
    task.status = 'FAILED';
    task.endedAt = Date.now();
    this.#inputs.delete(task.taskId);
  }

  /** Ends an active task with `outcome`; a success first makes its output file. */
  end(task: SimTask, outcome: 'SUCCESS' | 'FAILED'): void {
    if (!isActiveSimTask(task)) return;
    this.#clearTimers(task.taskId);
    const settle = (final: 'SUCCESS' | 'FAILED') => {
      // Cancelled while the output was being made: the cancel already ended it.
      if (!isActiveSimTask(task) || this.#runtime.closed) return;
      task.status = final;
      task.endedAt = Date.now();
      this.#onEnd(task);
    };
    const inputs = this.#inputs.get(task.taskId) ?? [];
    this.#inputs.delete(task.taskId);
    const make = this.#options.output;
    if (outcome === 'FAILED' || !make) {
      if (outcome === 'SUCCESS') task.outputFile = simDefaultOutput(task, inputs);
      settle(outcome);
      return;
    }
    // The task stays RUNNING until its file exists, so no poll sees SUCCESS without it.
    this.#runtime.track(
      Promise.resolve()
        .then(() => make(task, inputs))
        .then(
          (file) => {
            task.outputFile = file;
            settle('SUCCESS');
          },
          () => settle('FAILED'),
        ),
    );
  }

  #schedule(task: SimTask): void {
    const options = this.#options;
    if (options.manual) {
      task.status = 'RUNNING';
      return;
    }
    const runtime = this.#runtime;
    const queued = runtime.between(options.queueMs, [0, 0]);
    const range = options.durationMs;
    const duration = runtime.between(typeof range === 'function' ? range(task) : range, [50, 150]);
    const handles: Timer[] = [];
    if (queued > 0) {
      handles.push(
        runtime.later(queued, () => {
          if (task.status === 'QUEUED') task.status = 'RUNNING';
        }),
      );
    } else {
      task.status = 'RUNNING';
    }
    handles.push(
      runtime.later(queued + duration, () => this.end(task, task.willFail ? 'FAILED' : 'SUCCESS')),
    );
    this.#timers.set(task.taskId, handles);
  }

  #clearTimers(taskId: string): void {
    this.#runtime.cancelTimers(this.#timers.get(taskId) ?? []);
    this.#timers.delete(taskId);
  }
}
