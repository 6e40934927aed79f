import { answerCode, type SimAnswer } from './simAnswer.js';
import type { SimRuntime } from './simRuntime.js';

export interface SimRates {
  /** A start answered 421 although the account has room. */
  busy?: number;
  /** Any call answered HTTP 503 (a gateway fault). */
  transient?: number;
  /** A task ends FAILED (805 with a ComfyUI failedReason). */
  fail?: number;
  /** The completion callback is never sent (a heal pass must poll). */
  lostWebhook?: number;
  /** The completion callback is sent twice. */
  duplicateWebhook?: number;
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

/** Cuts the connection of the next output download(s) after some bytes (a copy broken half-way). */
export interface SimDownloadCut {
  /** Only downloads of this task's output (default: any task's). */
  taskId?: string;
  /** Bytes sent before the connection is cut (the headers announce the whole size). */
  afterBytes: number;
  /** How many downloads it cuts. Default 1. */
  times?: number;
}

/**
 * The chaos controls: random fault rates, the answer delay, and injected answers for the
 * next calls. Injections come first and draw nothing from the seed.
 */
export class SimFaults {
  rates: SimRates;
  latencyMs: readonly [number, number] | undefined;
  readonly #injections: Array<SimInjection & { times: number }> = [];
  readonly #cuts: Array<SimDownloadCut & { times: number }> = [];
  readonly #runtime: SimRuntime;

  constructor(
    runtime: SimRuntime,
    rates: SimRates | undefined,
    latencyMs: readonly [number, number] | undefined,
  ) {
    this.#runtime = runtime;
    this.rates = { ...rates };
    this.latencyMs = latencyMs;
  }

  inject(injection: SimInjection): void {
    this.#injections.push({ ...injection, times: injection.times ?? 1 });
  }

  injectDownloadCut(cut: SimDownloadCut): void {
    if (!(Number.isInteger(cut.afterBytes) && cut.afterBytes >= 0)) {
      throw new Error('simulated RunningHub: afterBytes is a whole number of bytes');
    }
    this.#cuts.push({ ...cut, times: cut.times ?? 1 });
  }

  clearInjections(): void {
    this.#injections.length = 0;
    this.#cuts.length = 0;
  }

  /** Bytes after which this download of `taskId`'s output is cut, if an injection says so. */
  downloadCut(taskId: string): number | undefined {
    const index = this.#cuts.findIndex((c) => c.taskId === undefined || c.taskId === taskId);
    if (index < 0) return undefined;
    const cut = this.#cuts[index]!;
    cut.times -= 1;
    if (cut.times <= 0) this.#cuts.splice(index, 1);
    return cut.afterBytes;
  }

  /** The delay before the next answer. */
  latency(): number {
    return this.#runtime.between(this.latencyMs, [0, 0]);
  }

  /** The injected or random fault that answers a call to `path`, if any. */
  faultFor(path: string): SimAnswer | undefined {
    const index = this.#injections.findIndex((i) => i.path === undefined || i.path === path);
    if (index >= 0) {
      const injection = this.#injections[index]!;
      injection.times -= 1;
      if (injection.times <= 0) this.#injections.splice(index, 1);
      if (injection.httpStatus !== undefined && injection.httpStatus !== 200) {
        return { httpStatus: injection.httpStatus, body: `simulated HTTP ${injection.httpStatus}` };
      }
      return answerCode(injection.code ?? 500, injection.data ?? null, injection.msg);
    }
    if (this.#runtime.random() < (this.rates.transient ?? 0)) {
      return { httpStatus: 503, body: 'simulated 503 Service Unavailable' };
    }
    return undefined;
  }

  /** Draws whether a start is answered busy although the account has room. */
  busy(): boolean {
    return this.#runtime.random() < (this.rates.busy ?? 0);
  }

  /** Draws, at its creation, how a task will end and what becomes of its callback. */
  fate(): { willFail: boolean; loseWebhook: boolean; duplicateWebhook: boolean } {
    const { random } = this.#runtime;
    return {
      willFail: random() < (this.rates.fail ?? 0),
      loseWebhook: random() < (this.rates.lostWebhook ?? 0),
      duplicateWebhook: random() < (this.rates.duplicateWebhook ?? 0),
    };
  }
}
