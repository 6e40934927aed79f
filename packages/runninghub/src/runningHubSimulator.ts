import { SimFaults, type SimInjection, type SimRates } from './simFaults.js';
import { SimRoutes } from './simRoutes.js';
import { SimRuntime } from './simRuntime.js';
import { type SimRequestLog, startSimServer } from './simServer.js';
import type { SimOutputFile, SimTask } from './simTask.js';
import { SimTasks } from './simTasks.js';
import { SimUploads } from './simUploads.js';
import { type SimDelivery, SimWebhooks } from './simWebhooks.js';

export interface RunningHubSimulatorOptions {
  /** Same seed, same answers for the same sequence of calls. Default 1. */
  seed?: number;
  /** Tasks QUEUED or RUNNING at once per account; a start past it answers 421. Default 3. */
  concurrency?: number;
  /** Keys the account accepts. Default `['sim-key']`. */
  apiKeys?: readonly string[];
  /** Code for a missing or unknown key. Default 801 (as the real service answers). */
  badKeyCode?: 801 | 802;
  /** Loopback host. Default 127.0.0.1. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Delay before each answer, [min, max] ms. Default [0, 0]. */
  latencyMs?: readonly [number, number];
  /** Time a task spends QUEUED before it runs, [min, max] ms. Default [0, 0]. */
  queueMs?: readonly [number, number];
  /** Time a task runs, [min, max] ms, or per task (e.g. longer for video). Default [50, 150]. */
  durationMs?: readonly [number, number] | ((task: SimTask) => readonly [number, number]);
  /**
   * The file a successful task produces (e.g. its input image with a visible mark), served
   * at the task's output URL. Computed when the task ends; a throw fails the task. Default:
   * a short text placeholder.
   */
  output?: (task: SimTask) => SimOutputFile | Promise<SimOutputFile>;
  /** Tasks run until {@link RunningHubSimulator.finish} is called. Default false. */
  manual?: boolean;
  rates?: SimRates;
  /** AI apps the account has (id → `nodeId:fieldName` it accepts); unknown ids answer 901. */
  apps?: Record<string, readonly string[] | null>;
  /** Workflows the account has; unknown ids answer 380. */
  workflows?: Record<string, readonly string[] | null>;
  /** Coins shown by the account status. Default 100000. */
  coins?: number;
}

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
