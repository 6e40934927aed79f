import {
  defineTool,
  type Job,
  JobGateError,
  type Provider,
  type ProviderStartContext,
} from '@jobgate/core';
import type { StandardSchemaV1 } from '@jobgate/core/adapter';
import { benchNow, jobBody } from '../benchClock.js';
import type { WorkerContext } from '../benchSystem.js';

interface BenchInput {
  hold: boolean;
}

/** Accepts `{ hold?: boolean }`; a hand-written Standard Schema keeps zod out of the bench. */
const benchInput: StandardSchemaV1<unknown, BenchInput> = {
  '~standard': {
    version: 1,
    vendor: 'jobgate-bench',
    validate: (value) => ({
      value: {
        hold:
          typeof value === 'object' &&
          value !== null &&
          (value as { hold?: unknown }).hold === true,
      },
    }),
  },
};

/**
 * The one tool of the jobgate systems; `{ hold: true }` jobs keep their slot until `go`. It
 * takes no files on purpose: the benchmarks measure the slot protocol (submit to start, end to
 * promote), and file transfers would add the storage's speed to every figure.
 */
export const benchTool = defineTool({
  id: 'bench',
  input: benchInput,
  creditCost: 0,
  maxRunMs: 3_600_000,
});

const isHold = (job: Job): boolean =>
  typeof job.input === 'object' &&
  job.input !== null &&
  !Array.isArray(job.input) &&
  job.input['hold'] === true;

/** A promise with its resolve at hand. */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/**
 * The body runs "at the provider": recorded from the provider's start call to its end. Held
 * jobs wait for `go`. Completion is reported through `complete` (the runner's update path, or
 * the store's finish).
 */
export class BodyRunner {
  readonly #context: WorkerContext;
  readonly #holds: Array<() => void> = [];
  readonly #pending = new Set<Promise<void>>();
  complete: (job: Job) => Promise<void> = async () => {};
  onError: (error: unknown, jobId: string) => void = (error, jobId) => {
    process.stderr.write(`jobgate job ${jobId}: ${String(error)}\n`);
  };

  constructor(context: WorkerContext) {
    this.#context = context;
  }

  /** Starts a job body now; it completes in the background. */
  run(job: Job): void {
    const start = benchNow();
    if (isHold(job)) {
      const gate = deferred();
      this.#holds.push(gate.resolve);
      this.#track(
        gate.promise.then(() => {
          this.#context.recordHeld({ start, end: benchNow() });
          return this.#finish(job);
        }),
      );
      return;
    }
    this.#track(
      jobBody(this.#context.spec.bodyMs).then(() => {
        this.#context.record({ start, end: benchNow() });
        return this.#finish(job);
      }),
    );
  }

  #track(work: Promise<void>): void {
    this.#pending.add(work);
    void work.finally(() => this.#pending.delete(work));
  }

  /** Resolves once no body and no completion is in flight. */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  release(): void {
    for (const release of this.#holds.splice(0)) release();
  }

  async #finish(job: Job): Promise<void> {
    try {
      await this.complete(job);
    } catch (error) {
      this.onError(error, job.id);
    }
  }
}

/** The zero-latency in-process provider whose task is the workload's body. */
export class BenchProvider implements Provider {
  readonly id = 'bench';
  readonly #bodies: BodyRunner;

  constructor(bodies: BodyRunner) {
    this.#bodies = bodies;
  }

  async start(context: ProviderStartContext): Promise<{ taskId: string }> {
    this.#bodies.run(context.job);
    return { taskId: `task-${context.job.id}` };
  }
  async status() {
    return { state: 'running' as const };
  }
  async cancel() {}
  async upload(): Promise<string> {
    throw new JobGateError('VALIDATION', 'the bench provider takes no files');
  }
  async parseWebhook(): Promise<never> {
    throw new JobGateError('VALIDATION', 'the bench provider sends no webhooks');
  }
}
