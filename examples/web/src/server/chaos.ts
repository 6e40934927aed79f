import type { Provider, ProviderStartContext } from '@jobgate/core';
import { RUNNINGHUB_PATHS } from '@jobgate/runninghub';
import type { RunningHubSimulator } from '@jobgate/runninghub/simulator';
import { MAX_SLOW_START_MS } from './demoSettings.js';

/** The chaos controls of the queue panel. Each changes the simulated world, never jobgate. */
export interface ChaosSettings {
  /** Share of starts the simulated RunningHub answers 421 (account busy). */
  busy: number;
  /** Share of tasks that end FAILED. */
  fail: number;
  /** Share of completion callbacks never sent (the watchdog must poll). */
  lostWebhook: number;
  /** Extra time every start at the provider takes, ms (at most `MAX_SLOW_START_MS`). */
  slowStartMs: number;
}

export const CALM: ChaosSettings = { busy: 0, fail: 0, lostWebhook: 0, slowStartMs: 0 };

/** One-shot chaos actions. */
export type ChaosAction =
  /** The next start dies mid-way like a crashed process: no answer, no task id, ever. */
  | 'kill-start'
  /** The next three starts get HTTP 429 from the provider (its submit rate limit). */
  | 'rate-limit';

/**
 * The simulated world around the app: the RunningHub simulator's fault rates, plus a
 * wrapper around the real RunningHub provider that can make a start slow or make it die
 * with the "process" that ran it. It also remembers which task is which job, for progress.
 */
export class Chaos {
  settings: ChaosSettings = { ...CALM };
  /** Job ids whose start was killed. */
  readonly killed = new Set<string>();
  /** taskId → jobId of every task started. */
  readonly jobOfTask = new Map<string, string>();
  #killNext = false;
  #onKill: (jobId: string) => void = () => {};

  constructor(readonly simulator: RunningHubSimulator) {}

  /** Called with the job id when a start is killed (the app drops that request's socket). */
  onKill(listener: (jobId: string) => void): void {
    this.#onKill = listener;
  }

  set(next: Partial<ChaosSettings>): ChaosSettings {
    const rate = (v: unknown, fallback: number) =>
      typeof v === 'number' && v >= 0 && v <= 1 ? v : fallback;
    const s = this.settings;
    this.settings = {
      busy: rate(next.busy, s.busy),
      fail: rate(next.fail, s.fail),
      lostWebhook: rate(next.lostWebhook, s.lostWebhook),
      slowStartMs:
        typeof next.slowStartMs === 'number' &&
        next.slowStartMs >= 0 &&
        next.slowStartMs <= MAX_SLOW_START_MS
          ? next.slowStartMs
          : s.slowStartMs,
    };
    this.simulator.setRates({
      busy: this.settings.busy,
      fail: this.settings.fail,
      lostWebhook: this.settings.lostWebhook,
    });
    return this.settings;
  }

  act(action: ChaosAction): void {
    if (action === 'kill-start') this.#killNext = true;
    else this.simulator.inject({ path: RUNNINGHUB_PATHS.runAiApp, httpStatus: 429, times: 3 });
  }

  /** The provider the runner uses: `inner` (the real RunningHub provider) with the chaos. */
  wrap(inner: Provider): Provider {
    const chaos = this;
    return {
      id: inner.id,
      async start(context: ProviderStartContext) {
        if (chaos.#killNext) {
          chaos.#killNext = false;
          chaos.killed.add(context.job.id);
          chaos.#onKill(context.job.id);
          // The process is gone: nothing after this line ever runs for this start.
          return new Promise<never>(() => {});
        }
        if (chaos.settings.slowStartMs > 0) {
          await new Promise((resolve) => setTimeout(resolve, chaos.settings.slowStartMs));
        }
        const started = await inner.start(context);
        chaos.jobOfTask.set(started.taskId, context.job.id);
        return started;
      },
      status: (taskId, context) => inner.status(taskId, context),
      cancel: (taskId, context) => inner.cancel(taskId, context),
      upload: (file, signal) => inner.upload(file, signal),
      parseWebhook: (request) => inner.parseWebhook(request),
    };
  }
}
