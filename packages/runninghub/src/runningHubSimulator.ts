import { timingSafeEqual } from 'node:crypto';
import type { RunningHubSimulatorOptions } from './runningHubSimulatorOptions.js';
import { type SimDownloadCut, SimFaults, type SimInjection, type SimRates } from './simFaults.js';
import type { SimDownloadLog } from './simOutputServer.js';
import { SimRoutes } from './simRoutes.js';
import { SimRuntime } from './simRuntime.js';
import { type SimRequestLog, startSimServer } from './simServer.js';
import type { SimOutput, SimTask } from './simTask.js';
import { SimTasks } from './simTasks.js';
import { type SimUpload, SimUploads } from './simUploads.js';
import { type SimDelivery, SimWebhooks } from './simWebhooks.js';

export interface RunningHubSimulator {
  /** Base URL, e.g. `http://127.0.0.1:54321`: pass as the provider's `baseUrl`. */
  readonly url: string;
  readonly port: number;
  readonly tasks: Map<string, SimTask>;
  /** The uploads kept (by `fileName`, oldest first), with their bytes; see `uploadCapBytes`. */
  readonly uploads: Map<string, SimUpload>;
  readonly deliveries: SimDelivery[];
  /** Every API call (POST), in order. */
  readonly requests: SimRequestLog[];
  /** Every GET of an output URL, in order: what was served and whether it was cut. */
  readonly downloads: SimDownloadLog[];
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
  /**
   * Cuts the connection of the next `times` GETs of a task's output (of any task without
   * `taskId`) once `afterBytes` body bytes are out, the headers having announced the whole
   * size: a copy interrupted half-way. A cut at or past the file's size serves it whole.
   */
  injectDownloadCut(cut: SimDownloadCut): void;
  /** Drops injections (of both kinds) not used up yet. */
  clearInjections(): void;
  /** Ends a task now (SUCCESS or FAILED) and delivers its callback (unless lost). */
  finish(taskId: string, outcome?: 'SUCCESS' | 'FAILED'): Promise<void>;
  /** Resolves when no callback delivery is in flight. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A simulated RunningHub on loopback: the OpenAPI endpoints jobgate uses, with the same
 * envelope and codes, an account concurrency limit (421 past it), API key checks, uploads
 * (a start whose file field names anything but this key's upload is refused, 433), results
 * at unguessable URLs, and TASK_END callbacks POSTed to each task's `webhookUrl`. Random choices (busy, faults,
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
  const uploads = new SimUploads(runtime, account, options.uploadCapBytes);
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
    outputFile: (taskId, token, name) => finishedOutput(tasks.tasks.get(taskId), token, name),
    downloadCut: (taskId) => faults.downloadCut(taskId),
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
    downloads: server.downloads,
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
    injectDownloadCut(cut: SimDownloadCut) {
      faults.injectDownloadCut(cut);
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

/** The result of a task that succeeded, if `token` is its output token and `name` its file. */
function finishedOutput(
  task: SimTask | undefined,
  token: string,
  name: string,
): SimOutput | undefined {
  const file = task?.status === 'SUCCESS' ? task.outputFile : undefined;
  if (!task || !file || name !== `0.${file.ext}`) return undefined;
  const want = Buffer.from(task.outputToken);
  const got = Buffer.from(token);
  return want.length === got.length && timingSafeEqual(want, got) ? file : undefined;
}
