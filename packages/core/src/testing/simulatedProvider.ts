import { JobGateError } from '../domain/errors.js';
import type { JsonValue } from '../domain/job.js';
import { type Clock, systemClock } from '../ports/clock.js';
import type {
  Provider,
  ProviderContext,
  ProviderFile,
  ProviderStartContext,
  ProviderStatus,
  ProviderUpdate,
} from '../ports/provider.js';
import { seededRandom } from './seededRandom.js';

export interface SimulatedRates {
  /** Start answered "busy" (like RunningHub 421). */
  busy?: number;
  /** Start refused as invalid input (like RunningHub 433). */
  reject?: number;
  /** Start failed by the network or a 5xx. */
  transient?: number;
  /** The task runs, then fails. */
  fail?: number;
  /** The completion callback never arrives (a heal pass must poll). */
  lostWebhook?: number;
}

export interface SimulatedProviderOptions {
  id?: string;
  /** Same seed, same answers. Default 1. */
  seed?: number;
  clock?: Clock;
  /** Account concurrency: a start past it is answered busy. Default unlimited. */
  capacity?: number;
  /** Delay of a start call, [min, max] ms. Default [20, 80]. */
  startLatencyMs?: readonly [number, number];
  /** How long a task runs, [min, max] ms (or per tool). Default [500, 2000]. */
  durationMs?: readonly [number, number] | ((tool: string) => readonly [number, number]);
  rates?: SimulatedRates;
  /** The "webhook": called when a task ends (unless lost). */
  onUpdate?: (jobId: string, update: ProviderUpdate) => void;
}

interface SimTask {
  jobId: string;
  tool: string;
  state: ProviderStatus['state'];
  startedAt: number;
  endsAt: number;
  timer: unknown;
  output?: JsonValue;
  error?: { code: string; message: string };
}

/** The result of every simulated task: a 1×1 PNG, as a `data:` URL. */
export const SIMULATED_RESULT =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

/** A provider that runs in-process, deterministic from a seed, on an injectable clock. */
export class SimulatedProvider implements Provider {
  readonly id: string;
  readonly tasks = new Map<string, SimTask>();
  /** The input files it received, in order. */
  readonly uploads: { field: string; name: string; size: number }[] = [];
  /** Counts of what it answered, for reports. */
  readonly stats = {
    started: 0,
    busy: 0,
    rejected: 0,
    transient: 0,
    failed: 0,
    completed: 0,
    cancelled: 0,
    lostWebhooks: 0,
  };
  #onUpdate: ((jobId: string, update: ProviderUpdate) => void) | undefined;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #options: SimulatedProviderOptions;
  #nextTask = 1;
  #keepAlive: ReturnType<typeof setInterval> | undefined;
  #sleeping = 0;
  /** The highest number of tasks running at once at this "provider". */
  maxConcurrent = 0;
  /** Account concurrency: a start past it is answered busy. Change it to simulate capacity returning. */
  capacity: number;

  constructor(options: SimulatedProviderOptions = {}) {
    this.id = options.id ?? 'simulated';
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#random = seededRandom(options.seed ?? 1);
    this.#onUpdate = options.onUpdate;
    this.capacity = options.capacity ?? Number.POSITIVE_INFINITY;
  }

  /** Where completions are delivered (the webhook). */
  onUpdate(listener: (jobId: string, update: ProviderUpdate) => void): void {
    this.#onUpdate = listener;
  }

  get running(): number {
    let n = 0;
    for (const task of this.tasks.values()) if (task.state === 'running') n++;
    return n;
  }

  async start(context: ProviderStartContext): Promise<{ taskId: string }> {
    const [lo, hi] = this.#options.startLatencyMs ?? [20, 80];
    await this.#sleep(this.#between(lo, hi), context.signal);
    const rates = this.#options.rates ?? {};
    const roll = this.#random();
    if (this.running >= this.capacity || roll < (rates.busy ?? 0)) {
      this.stats.busy++;
      throw new JobGateError('PROVIDER_BUSY', 'the simulated account is at its task limit', {
        providerCode: 421,
      });
    }
    if (this.#random() < (rates.reject ?? 0)) {
      this.stats.rejected++;
      throw new JobGateError('PROVIDER_REJECTED', 'the simulated provider refused the input', {
        providerCode: 433,
      });
    }
    if (this.#random() < (rates.transient ?? 0)) {
      this.stats.transient++;
      throw new JobGateError('PROVIDER_ERROR', 'the simulated provider answered 503', {
        providerCode: 503,
      });
    }
    const taskId = `sim-${this.#nextTask++}`;
    const range = this.#options.durationMs ?? [500, 2_000];
    const [dlo, dhi] = typeof range === 'function' ? range(context.job.tool) : range;
    const duration = this.#between(dlo, dhi);
    const now = this.#clock.now();
    const willFail = this.#random() < (rates.fail ?? 0);
    const loseWebhook = this.#random() < (rates.lostWebhook ?? 0);
    const task: SimTask = {
      jobId: context.job.id,
      tool: context.job.tool,
      state: 'running',
      startedAt: now,
      endsAt: now + duration,
      timer: undefined,
    };
    task.timer = this.#clock.setTimeout(() => {
      if (task.state !== 'running') return;
      this.#releaseIfIdle(task);
      if (willFail) {
        task.state = 'failed';
        task.error = { code: 'SIM_FAIL', message: 'the simulated workflow failed' };
        this.stats.failed++;
      } else {
        task.state = 'completed';
        // A real file at a URL any process can fetch, so a runner with a storage copies it.
        task.output = { files: [SIMULATED_RESULT], taskId };
        this.stats.completed++;
      }
      if (loseWebhook) {
        this.stats.lostWebhooks++;
        return;
      }
      this.#onUpdate?.(task.jobId, this.#update(taskId, task));
    }, duration);
    this.tasks.set(taskId, task);
    this.#hold();
    this.stats.started++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.running);
    return { taskId };
  }

  async status(taskId: string, _context?: ProviderContext): Promise<ProviderStatus> {
    const task = this.tasks.get(taskId);
    if (!task) return { state: 'unknown' };
    return this.#update(taskId, task);
  }

  async cancel(taskId: string, _context?: ProviderContext): Promise<void> {
    const task = this.tasks.get(taskId);
    if (!task || task.state !== 'running') return;
    task.state = 'cancelled';
    this.#clock.clearTimeout(task.timer as never);
    this.#releaseIfIdle(task);
    this.stats.cancelled++;
  }

  /** Reads the file (as a provider would) and names it `sim-input-N-{name}`. */
  async upload(file: ProviderFile): Promise<string> {
    const blob = await file.blob();
    if (blob.size !== file.size) {
      throw new JobGateError(
        'PROVIDER_UPLOAD',
        `${file.name}: read ${blob.size} of ${file.size} bytes`,
      );
    }
    this.uploads.push({ field: file.field, name: file.name, size: file.size });
    return `sim-input-${this.uploads.length}-${file.name}`;
  }

  async parseWebhook(request: Request): Promise<ProviderUpdate> {
    const body = (await request.json().catch(() => null)) as Partial<ProviderUpdate> | null;
    if (!body || typeof body.taskId !== 'string' || typeof body.state !== 'string') {
      throw new JobGateError('VALIDATION', 'malformed simulated webhook');
    }
    return body as ProviderUpdate;
  }

  #update(taskId: string, task: SimTask): ProviderUpdate {
    const elapsed = this.#clock.now() - task.startedAt;
    const progress =
      task.state === 'running'
        ? Math.min(0.99, elapsed / Math.max(1, task.endsAt - task.startedAt))
        : 1;
    return {
      taskId,
      state: task.state,
      progress,
      ...(task.output === undefined ? {} : { output: task.output }),
      ...(task.error === undefined ? {} : { error: task.error }),
    };
  }

  /**
   * On the system clock, a start or a task in flight keeps the process alive, as a real provider's pending
   * callback would keep a server up: a script that awaits its job does not exit halfway
   * (the clock's own timers are unref'd, so heal and retry timers never hold a process).
   */
  #hold(): void {
    if (this.#clock !== systemClock || this.#keepAlive) return;
    this.#keepAlive = setInterval(() => undefined, 60_000);
  }

  #releaseIfIdle(ending?: SimTask): void {
    if (!this.#keepAlive || this.#sleeping > 0) return;
    for (const task of this.tasks.values()) if (task !== ending && task.state === 'running') return;
    clearInterval(this.#keepAlive);
    this.#keepAlive = undefined;
  }

  #between(lo: number, hi: number): number {
    return Math.round(lo + (hi - lo) * this.#random());
  }

  #sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    this.#sleeping++;
    this.#hold();
    let ended = false;
    const done = () => {
      if (ended) return;
      ended = true;
      this.#sleeping--;
      this.#releaseIfIdle();
    };
    return new Promise((resolve, reject) => {
      const handle = this.#clock.setTimeout(() => {
        done();
        resolve();
      }, ms);
      signal.addEventListener(
        'abort',
        () => {
          this.#clock.clearTimeout(handle);
          done();
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }
}

export function createSimulatedProvider(options?: SimulatedProviderOptions): SimulatedProvider {
  return new SimulatedProvider(options);
}
