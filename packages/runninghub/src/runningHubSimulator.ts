import type { RunningHubSimulatorOptions } from './runningHubSimulatorOptions.js';
import { SimFaults, type SimInjection, type SimRates } from './simFaults.js';
import { SimRoutes } from './simRoutes.js';
import { SimRuntime } from './simRuntime.js';
import { type SimRequestLog, startSimServer } from './simServer.js';
import type { SimTask } from './simTask.js';
import { SimTasks } from './simTasks.js';
import { SimUploads } from './simUploads.js';
import { type SimDelivery, SimWebhooks } from './simWebhooks.js';

export interface RunningHubSimulator {
  /** Base URL, e.g. `http://127.0.0.1:54321`: pass as the provider's `baseUrl`. */
  readonly url: string;
  readonly port: number;
  readonly tasks: Map<string, SimTask>;
  readonly uploads: Map<string, { name: string; size: number; fileType: string }>;
  readonly deliveries: SimDelivery[];
  readonly requests: SimRequestLog[];
  /** Tasks QUEUED or RUNNING now (counted against `concurrency`). */
  active(): number;
  /** The highest number of active tasks seen at once. */
  readonly maxActive: number;
  setConcurrency(concurrency: number): void;
  /** Changes the random fault rates for the calls and tasks from now on (chaos controls). */
  setRates(rates: SimRates): void;
  /** Changes the delay before each answer, [min, max] ms (a slow provider). */
  setLatency(latencyMs: readonly [number, number]): void;
  /** Makes the next matching call(s) answer a given code or HTTP status. */
  inject(injection: SimInjection): void;
  /** Drops injections not used up yet. */
  clearInjections(): void;
  /** Ends a task now (SUCCESS or FAILED) and delivers its callback (unless lost). */
  finish(taskId: string, outcome?: 'SUCCESS' | 'FAILED'): Promise<void>;
  /** Resolves when no callback delivery is in flight. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A simulated RunningHub on loopback: the OpenAPI endpoints jobgate uses, with the same
 * envelope and codes, an account concurrency limit (421 past it), API key checks, uploads,
 * and TASK_END callbacks POSTed to each task's `webhookUrl`. Random choices (busy, faults,
 * failures, lost or duplicate callbacks, durations) come from a seeded generator.
 * Node only: import from `@jobgate/runninghub/simulator`.
 */
export async function startRunningHubSimulator(
  options: RunningHubSimulatorOptions = {},
): Promise<RunningHubSimulator> {
  const runtime = new SimRuntime(options.seed ?? 1);
  const faults = new SimFaults(runtime, options.rates, options.latencyMs);
  const webhooks = new SimWebhooks(runtime);
  const tasks = new SimTasks(runtime, faults, options, (task) => webhooks.deliver(task));
  const account = {
    keys: new Set(options.apiKeys ?? ['sim-key']),
    badKeyCode: options.badKeyCode ?? 801,
  };
  const uploads = new SimUploads(runtime, account);
  const routes = new SimRoutes(tasks, uploads, faults, {
    account,
    apps: options.apps,
    workflows: options.workflows,
    coins: options.coins,
    baseUrl: () => runtime.baseUrl,
  });
  const server = await startSimServer({
    host: options.host,
    port: options.port,
    runtime,
    outputFile: (taskId) => tasks.tasks.get(taskId)?.outputFile,
    latency: () => faults.latency(),
    route: (req, log, raw) => routes.answer(req, log, raw),
  });
  runtime.baseUrl = server.url;

  return {
    url: server.url,
    port: server.port,
    tasks: tasks.tasks,
    uploads: uploads.files,
    deliveries: webhooks.deliveries,
    requests: server.requests,
    active: () => tasks.active(),
    get maxActive() {
      return tasks.maxActive;
    },
    setConcurrency(n: number) {
      tasks.concurrency = n;
    },
    setRates(next: SimRates) {
      faults.rates = { ...next };
    },
    setLatency(next: readonly [number, number]) {
      faults.latencyMs = next;
    },
    inject(injection: SimInjection) {
      faults.inject(injection);
    },
    clearInjections() {
      faults.clearInjections();
    },
    async finish(taskId: string, outcome: 'SUCCESS' | 'FAILED' = 'SUCCESS') {
      const task = tasks.tasks.get(taskId);
      if (!task) throw new Error(`simulated RunningHub: no task ${taskId}`);
      tasks.end(task, outcome);
      await runtime.drain();
    },
    settled: () => runtime.settled(),
    async close() {
      if (runtime.closed) return;
      await runtime.close();
      await server.close();
    },
  };
}
