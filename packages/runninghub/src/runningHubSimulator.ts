import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seededRandom } from '@jobgate/core/testing';
import { RUNNINGHUB_CODES, type RunningHubCode } from './runningHubCodes.js';
import { MAX_UPLOAD_BYTES, RUNNINGHUB_PATHS } from './runningHubProvider.js';

export type SimTaskStatus = 'QUEUED' | 'RUNNING' | 'SUCCESS' | 'FAILED';

export interface SimRates {
  /** A start answered 421 although the account has room. */
  busy?: number;
  /** Any call answered HTTP 503 (a gateway fault). */
  transient?: number;
  /** A task ends FAILED (805 with a ComfyUI failedReason). */
  fail?: number;
  /** The completion callback is never sent (the watchdog must poll). */
  lostWebhook?: number;
  /** The completion callback is sent twice. */
  duplicateWebhook?: number;
}

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

export interface SimDelivery {
  taskId: string;
  url: string;
  body: string;
  /** HTTP status of the receiver, or null if it could not be reached / was lost. */
  status: number | null;
  lost: boolean;
  error?: string;
}

export interface SimInjection {
  /** Only calls to this path (default: the next call to any API path). */
  path?: string;
  /** Answer HTTP 200 with this RunningHub code. */
  code?: number;
  msg?: string;
  data?: unknown;
  /** Answer this HTTP status instead (e.g. 503, 429). */
  httpStatus?: number;
  /** How many calls it answers. Default 1. */
  times?: number;
}

export interface SimRequestLog {
  path: string;
  body: Record<string, unknown> | null;
  /** RunningHub code answered, or the HTTP status when it was not 200. */
  code: number;
  httpStatus: number;
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

const MAX_BODY = MAX_UPLOAD_BYTES + 1024 * 1024;

function codeName(code: number): string {
  if (code === 0) return 'success';
  return Object.hasOwn(RUNNINGHUB_CODES, code)
    ? RUNNINGHUB_CODES[code as RunningHubCode].name
    : 'UNKNOWN_ERROR';
}

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new BodyTooLarge('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
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
  const random = seededRandom(options.seed ?? 1);
  const between = (range: readonly [number, number] | undefined, fallback: [number, number]) => {
    const [lo, hi] = range ?? fallback;
    return Math.round(lo + (hi - lo) * random());
  };
  let rates: SimRates = { ...options.rates };
  let latencyMs = options.latencyMs;
  const keys = new Set(options.apiKeys ?? ['sim-key']);
  const badKeyCode = options.badKeyCode ?? 801;
  let concurrency = options.concurrency ?? 3;
  const tasks = new Map<string, SimTask>();
  const uploads = new Map<string, { name: string; size: number; fileType: string }>();
  const deliveries: SimDelivery[] = [];
  const requests: SimRequestLog[] = [];
  const injections: Array<SimInjection & { times: number }> = [];
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const inFlight = new Set<Promise<void>>();
  let nextTask = 1;
  let nextUpload = 1;
  let maxActive = 0;
  let closed = false;
  let baseUrl = '';

  const later = (ms: number, fn: () => void) => {
    const handle = setTimeout(() => {
      timers.delete(handle);
      if (!closed) fn();
    }, ms);
    timers.add(handle);
    return handle;
  };
  const taskTimers = new Map<string, ReturnType<typeof setTimeout>[]>();
  const clearTaskTimers = (taskId: string) => {
    for (const handle of taskTimers.get(taskId) ?? []) {
      clearTimeout(handle);
      timers.delete(handle);
    }
    taskTimers.delete(taskId);
  };
  const activeCount = (apiKey?: string) => {
    let n = 0;
    for (const task of tasks.values()) {
      if (
        (task.status === 'QUEUED' || task.status === 'RUNNING') &&
        (!apiKey || task.apiKey === apiKey)
      )
        n++;
    }
    return n;
  };

  const outputsEnvelope = (task: SimTask): { code: number; msg: string; data: unknown } => {
    switch (task.status) {
      case 'QUEUED':
        return { code: 813, msg: codeName(813), data: null };
      case 'RUNNING':
        return { code: 804, msg: codeName(804), data: null };
      case 'FAILED':
        return {
          code: 805,
          msg: codeName(805),
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
          code: 0,
          msg: 'success',
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
  };

  const deliver = (task: SimTask): void => {
    if (!task.webhookUrl) return;
    const body = JSON.stringify({
      event: 'TASK_END',
      taskId: task.taskId,
      eventData: JSON.stringify(outputsEnvelope(task)),
    });
    if (task.loseWebhook) {
      deliveries.push({
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
        deliveries.push(record);
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
    const promise = send().finally(() => inFlight.delete(promise));
    inFlight.add(promise);
  };

  const isActive = (task: SimTask) => task.status === 'QUEUED' || task.status === 'RUNNING';
  const end = (task: SimTask, outcome: 'SUCCESS' | 'FAILED'): void => {
    if (!isActive(task)) return;
    clearTaskTimers(task.taskId);
    const settle = (final: 'SUCCESS' | 'FAILED') => {
      // Cancelled while the output was being made: the cancel already ended it.
      if (!isActive(task) || closed) return;
      task.status = final;
      task.endedAt = Date.now();
      deliver(task);
    };
    const make = options.output;
    if (outcome === 'FAILED' || !make) {
      settle(outcome);
      return;
    }
    // The task stays RUNNING until its file exists, so no poll sees SUCCESS without it.
    const promise = Promise.resolve()
      .then(() => make(task))
      .then(
        (file) => {
          task.outputFile = file;
          settle('SUCCESS');
        },
        () => settle('FAILED'),
      )
      .finally(() => inFlight.delete(promise));
    inFlight.add(promise);
  };

  const schedule = (task: SimTask): void => {
    if (options.manual) {
      task.status = 'RUNNING';
      return;
    }
    const queued = between(options.queueMs, [0, 0]);
    const range = options.durationMs;
    const duration = between(typeof range === 'function' ? range(task) : range, [50, 150]);
    const handles: ReturnType<typeof setTimeout>[] = [];
    if (queued > 0) {
      handles.push(
        later(queued, () => {
          if (task.status === 'QUEUED') task.status = 'RUNNING';
        }),
      );
    } else {
      task.status = 'RUNNING';
    }
    handles.push(later(queued + duration, () => end(task, task.willFail ? 'FAILED' : 'SUCCESS')));
    taskTimers.set(task.taskId, handles);
  };

  type Answer = { httpStatus: number; body: unknown };
  const ok = (data: unknown): Answer => ({
    httpStatus: 200,
    body: { code: 0, msg: 'success', data },
  });
  const code = (c: number, data: unknown = null, msg?: string): Answer => ({
    httpStatus: 200,
    body: { code: c, msg: msg ?? codeName(c), data },
  });

  const validNodes = (list: unknown): SimNodeInfo[] | null => {
    if (!Array.isArray(list)) return null;
    const out: SimNodeInfo[] = [];
    for (const entry of list) {
      if (typeof entry !== 'object' || entry === null) return null;
      const { nodeId, fieldName, fieldValue } = entry as Record<string, unknown>;
      const id = typeof nodeId === 'number' ? String(nodeId) : nodeId;
      if (typeof id !== 'string' || id === '' || typeof fieldName !== 'string' || fieldName === '')
        return null;
      if (fieldValue === undefined) return null;
      out.push({ nodeId: id, fieldName, fieldValue });
    }
    return out;
  };

  const startTask = (
    apiKey: string,
    body: Record<string, unknown>,
    kind: 'app' | 'workflow',
  ): Answer => {
    const idField = kind === 'app' ? body.webappId : body.workflowId;
    const id = typeof idField === 'number' ? String(idField) : idField;
    if (typeof id !== 'string' || !/^\d{1,25}$/.test(id)) return code(301, null);
    const registry = kind === 'app' ? options.apps : options.workflows;
    if (registry && !Object.hasOwn(registry, id)) return code(kind === 'app' ? 901 : 380);
    const list = body.nodeInfoList ?? (kind === 'workflow' ? [] : undefined);
    if (!Array.isArray(list)) return code(301);
    const nodes = validNodes(list);
    if (!nodes) return code(803);
    const allowed = registry?.[id];
    if (allowed && nodes.some((n) => !allowed.includes(`${n.nodeId}:${n.fieldName}`))) {
      return code(803);
    }
    const webhookUrl = body.webhookUrl;
    if (webhookUrl !== undefined && webhookUrl !== null) {
      if (typeof webhookUrl !== 'string') return code(301);
      try {
        new URL(webhookUrl);
      } catch {
        return code(301);
      }
    }
    const busyRoll = random();
    if (activeCount(apiKey) >= concurrency || busyRoll < (rates.busy ?? 0)) return code(421);
    const taskId = String(1_900_000_000_000_000_000n + BigInt(nextTask++));
    const task: SimTask = {
      taskId,
      apiKey,
      webappId: kind === 'app' ? id : null,
      workflowId: kind === 'workflow' ? id : null,
      nodeInfoList: nodes,
      webhookUrl: typeof webhookUrl === 'string' ? webhookUrl : null,
      instanceType: typeof body.instanceType === 'string' ? body.instanceType : null,
      status: 'QUEUED',
      cancelled: false,
      createdAt: Date.now(),
      endedAt: null,
      willFail: random() < (rates.fail ?? 0),
      loseWebhook: random() < (rates.lostWebhook ?? 0),
      duplicateWebhook: random() < (rates.duplicateWebhook ?? 0),
    };
    tasks.set(taskId, task);
    schedule(task);
    maxActive = Math.max(maxActive, activeCount());
    return ok({
      netWssUrl: null,
      taskId,
      clientId: `sim${taskId.slice(-8)}`,
      taskStatus: task.status,
      promptTips: JSON.stringify({
        result: true,
        error: null,
        outputs_to_execute: ['9'],
        node_errors: {},
      }),
    });
  };

  const ownTask = (apiKey: string, body: Record<string, unknown>): SimTask | null => {
    const raw = typeof body.taskId === 'number' ? String(body.taskId) : body.taskId;
    if (typeof raw !== 'string') return null;
    const task = tasks.get(raw);
    return task && task.apiKey === apiKey ? task : null;
  };

  const handleUpload = async (
    req: IncomingMessage,
    raw: Buffer,
    log: SimRequestLog,
  ): Promise<Answer> => {
    let form: FormData;
    try {
      const request = new Request('http://sim/upload', {
        method: 'POST',
        headers: { 'content-type': req.headers['content-type'] ?? '' },
        body: new Uint8Array(raw),
      });
      form = await request.formData();
    } catch {
      return code(301);
    }
    const key = form.get('apiKey') ?? bearer(req);
    log.body = { apiKey: typeof key === 'string' ? '***' : null, fileType: form.get('fileType') };
    if (typeof key !== 'string' || !keys.has(key)) return code(badKeyCode);
    const file = form.get('file');
    if (file === null || typeof file === 'string') return code(301);
    if (file.size > MAX_UPLOAD_BYTES) return code(809);
    if (file.size === 0) return code(808);
    const dot = file.name.lastIndexOf('.');
    const ext = dot > 0 ? file.name.slice(dot + 1).toLowerCase() : 'bin';
    const fileName = `api/${String(nextUpload++).padStart(8, '0')}${random().toString(16).slice(2, 10)}.${ext}`;
    const fileType = form.get('fileType');
    uploads.set(fileName, {
      name: file.name,
      size: file.size,
      fileType: typeof fileType === 'string' ? fileType : 'input',
    });
    return ok({ fileName, fileType: 'input' });
  };

  const route = async (req: IncomingMessage, log: SimRequestLog, raw: Buffer): Promise<Answer> => {
    const path = log.path;
    const injected = injections.findIndex((i) => i.path === undefined || i.path === path);
    if (injected >= 0) {
      const injection = injections[injected]!;
      injection.times -= 1;
      if (injection.times <= 0) injections.splice(injected, 1);
      if (injection.httpStatus !== undefined && injection.httpStatus !== 200) {
        return { httpStatus: injection.httpStatus, body: `simulated HTTP ${injection.httpStatus}` };
      }
      return code(injection.code ?? 500, injection.data ?? null, injection.msg);
    }
    if (random() < (rates.transient ?? 0)) {
      return { httpStatus: 503, body: 'simulated 503 Service Unavailable' };
    }
    if (path === RUNNINGHUB_PATHS.upload) return handleUpload(req, raw, log);
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(raw.toString('utf8') || '{}');
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return code(301);
      body = parsed as Record<string, unknown>;
    } catch {
      return code(301);
    }
    log.body = {
      ...body,
      ...(body.apiKey ? { apiKey: '***' } : {}),
      ...(body.apikey ? { apikey: '***' } : {}),
    };
    const key = body.apiKey ?? body.apikey ?? bearer(req);
    if (typeof key !== 'string' || !keys.has(key)) return code(badKeyCode);
    switch (path) {
      case RUNNINGHUB_PATHS.runAiApp:
        return startTask(key, body, 'app');
      case RUNNINGHUB_PATHS.createWorkflow:
        return startTask(key, body, 'workflow');
      case RUNNINGHUB_PATHS.status: {
        const task = ownTask(key, body);
        return task ? ok(task.status) : code(807);
      }
      case RUNNINGHUB_PATHS.outputs: {
        const task = ownTask(key, body);
        if (!task) return code(807);
        const envelope = outputsEnvelope(task);
        return code(envelope.code, envelope.data, envelope.msg);
      }
      case RUNNINGHUB_PATHS.cancel: {
        const task = ownTask(key, body);
        if (!task) return code(807);
        if (task.status === 'QUEUED' || task.status === 'RUNNING') {
          task.cancelled = true;
          clearTaskTimers(task.taskId);
          task.status = 'FAILED';
          task.endedAt = Date.now();
        }
        return ok(null);
      }
      case RUNNINGHUB_PATHS.accountStatus:
        return ok({
          remainCoins: String(options.coins ?? 100_000),
          currentTaskCounts: String(activeCount(key)),
          remainMoney: null,
          currency: null,
          apiType: 'NORMAL',
        });
      default:
        return code(412);
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://sim');
    if (req.method === 'GET' && url.pathname.startsWith('/outputs/')) {
      const file = tasks.get(url.pathname.split('/')[2] ?? '')?.outputFile;
      res.writeHead(200, {
        'content-type': file?.contentType ?? 'application/octet-stream',
        // The app's pages show it from another origin.
        'access-control-allow-origin': '*',
        'cache-control': 'no-store',
      });
      res.end(file ? Buffer.from(file.data) : Buffer.from(`simulated output ${url.pathname}`));
      return;
    }
    const log: SimRequestLog = { path: url.pathname, body: null, code: 0, httpStatus: 200 };
    let answer: Answer;
    try {
      const raw = await readBody(req);
      await new Promise((r) => later(between(latencyMs, [0, 0]), () => r(undefined)));
      answer =
        req.method === 'POST' ? await route(req, log, raw) : { httpStatus: 405, body: 'POST only' };
    } catch (error) {
      answer =
        error instanceof BodyTooLarge ? code(809) : { httpStatus: 500, body: 'simulator fault' };
    }
    log.httpStatus = answer.httpStatus;
    log.code =
      answer.httpStatus === 200 ? (answer.body as { code: number }).code : answer.httpStatus;
    requests.push(log);
    if (closed) {
      res.destroy();
      return;
    }
    if (typeof answer.body === 'string') {
      res.writeHead(answer.httpStatus, { 'content-type': 'text/plain' });
      res.end(answer.body);
    } else {
      res.writeHead(answer.httpStatus, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  baseUrl = `http://${host}:${address.port}`;

  return {
    url: baseUrl,
    port: address.port,
    tasks,
    uploads,
    deliveries,
    requests,
    active: () => activeCount(),
    get maxActive() {
      return maxActive;
    },
    setConcurrency(n: number) {
      concurrency = n;
    },
    setRates(next: SimRates) {
      rates = { ...next };
    },
    setLatency(next: readonly [number, number]) {
      latencyMs = next;
    },
    inject(injection: SimInjection) {
      injections.push({ ...injection, times: injection.times ?? 1 });
    },
    clearInjections() {
      injections.length = 0;
    },
    async finish(taskId: string, outcome: 'SUCCESS' | 'FAILED' = 'SUCCESS') {
      const task = tasks.get(taskId);
      if (!task) throw new Error(`simulated RunningHub: no task ${taskId}`);
      end(task, outcome);
      await Promise.all([...inFlight]);
    },
    async settled() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const handle of timers) clearTimeout(handle);
      timers.clear();
      await Promise.allSettled([...inFlight]);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function bearer(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice(7) : undefined;
}
