import { randomUUID } from 'node:crypto';
import {
  createJobRunner,
  createSlotPolicy,
  defineTool,
  type Job,
  JobGateError,
  type JobRunner,
  type Provider,
  type ProviderStartContext,
  type SlotOptions,
  type StandardSchemaV1,
} from '@jobgate/core';
import { benchNow, jobBody } from '../benchClock.js';
import type { BenchSystem, RunSpec, SystemWorker, WorkerContext } from '../benchSystem.js';
import { packageVersion } from '../packageVersion.js';
import { dropSchema } from '../sqlAdmin.js';
import {
  closeJobgateStore,
  type JobgateStore,
  migrateJobgate,
  openJobgateStore,
} from './jobgateStore.js';

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

const benchTool = defineTool({
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

/** A deferred that the job body waits on. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Runs `count` tasks with at most `width` at a time. */
async function inParallel(count: number, width: number, task: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

const SUBMITTERS = 8;

/**
 * The body runs "at the provider": recorded from the provider's start call to its end. Held
 * jobs wait for `go`. Completion is reported through `complete` (the runner's update path, or
 * the store's finish).
 */
class BodyRunner {
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
class BenchProvider implements Provider {
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

const versions = (): Record<string, string> => ({
  '@jobgate/core': packageVersion('@jobgate/core'),
  '@jobgate/postgres': packageVersion('@jobgate/postgres'),
  postgres: packageVersion('postgres'),
});

async function prepare(spec: RunSpec): Promise<void> {
  await migrateJobgate(spec);
}

async function cleanup(spec: RunSpec): Promise<void> {
  await dropSchema(spec.databaseUrl, spec.schema);
}

/**
 * jobgate through its JobRunner: submit → (slot or queue); the provider's body ends → the
 * runner applies the completion (finish + promote in one store call) → the promoted job is
 * launched at the provider, whose start call is the next job's start.
 */
export const jobgateRunnerSystem: BenchSystem = {
  id: 'jobgate',
  label: 'jobgate (JobRunner)',
  versions,
  globalCap: true,
  heldSlots: 3,
  setup:
    'JobRunner + PostgresStore (postgres.js, lifecycle times from the database clock), globalCap = cap; ' +
    'provider = in-process body; completion applied once the task id is attached (as a webhook would be)',
  prepare,
  cleanup,
  async createWorker(context: WorkerContext): Promise<SystemWorker> {
    const { spec } = context;
    const store: JobgateStore = await openJobgateStore(spec);
    const bodies = new BodyRunner(context);
    const runner: JobRunner = createJobRunner({
      store: store.store,
      provider: new BenchProvider(bodies),
      tools: [benchTool],
      policy: { globalCap: spec.cap },
      wakeTimers: false,
    });
    const attached = new Map<string, { promise: Promise<void>; resolve: () => void }>();
    const gate = (id: string) => {
      let entry = attached.get(id);
      if (!entry) {
        entry = deferred();
        attached.set(id, entry);
      }
      return entry;
    };
    runner.on('started', (job) => gate(job.id).resolve());
    runner.on('error', (error, info) => bodies.onError(error, info.jobId ?? '?'));
    bodies.complete = async (job) => {
      // A provider calls back after it answered the start: wait for the task id to be saved.
      await gate(job.id).promise;
      attached.delete(job.id);
      const after = await runner.applyUpdate(job.id, {
        state: 'completed',
        taskId: `task-${job.id}`,
      });
      if (after.status !== 'completed') throw new Error(`job ended ${after.status}`);
    };
    const submit = async (hold: boolean): Promise<Job> =>
      runner.submit({
        jobId: randomUUID(),
        tool: benchTool.id,
        userId: randomUUID(),
        input: { hold },
      });
    return {
      async hold(count) {
        for (let i = 0; i < count; i++) {
          const job = await submit(true);
          if (job.status !== 'running') throw new Error(`a held job is ${job.status}, not running`);
        }
      },
      async fill(count) {
        await inParallel(count, SUBMITTERS, async () => {
          const job = await submit(false);
          if (job.status !== 'queued') throw new Error(`a filled job is ${job.status}, not queued`);
        });
      },
      async go() {
        bodies.release();
      },
      async stop() {
        await bodies.idle();
      },
      sqlCounts: { reset: () => store.resetCounts(), read: () => store.counts },
      async close() {
        runner.close();
        await closeJobgateStore(store);
      },
    };
  },
};

/**
 * jobgate's slot protocol alone, through the store: create + start to fill; at a body's end,
 * one `finish` call ends the job, releases its slot and claims the queue head, whose body
 * starts at once. No runner, no attachTask: the floor under the JobRunner figures.
 */
export const jobgateStoreSystem: BenchSystem = {
  id: 'jobgate-store',
  label: 'jobgate (store protocol)',
  versions,
  globalCap: true,
  heldSlots: 3,
  setup:
    'PostgresStore.finish() at each body end (finish + release + promote in one call); ' +
    'bodies of promoted jobs start when it returns',
  prepare,
  cleanup,
  async createWorker(context: WorkerContext): Promise<SystemWorker> {
    const { spec } = context;
    const store: JobgateStore = await openJobgateStore(spec);
    const policy = createSlotPolicy({ globalCap: spec.cap }, [benchTool]);
    const slot = (): SlotOptions => ({ limits: policy.limits, now: Date.now() });
    const bodies = new BodyRunner(context);
    bodies.complete = async (job) => {
      const result = await store.store.finish(
        job.id,
        { status: 'completed', output: null },
        { ...slot(), from: ['running'] },
      );
      if (!result.changed) throw new Error(`job ${job.id} was ${result.job.status} already`);
      for (const promoted of result.promoted) bodies.run(promoted);
    };
    const place = async (hold: boolean): Promise<Job> => {
      const { job } = await store.store.create(
        {
          id: randomUUID(),
          tool: benchTool.id,
          userId: randomUUID(),
          pool: benchTool.pool,
          input: { hold },
          userCreditCost: 0,
        },
        { maxActivePerUser: policy.maxActivePerUser, now: Date.now() },
      );
      const started = await store.store.start(job.id, slot());
      for (const promoted of started.promoted) bodies.run(promoted);
      if (started.job.status === 'running') bodies.run(started.job);
      return started.job;
    };
    return {
      async hold(count) {
        for (let i = 0; i < count; i++) {
          const job = await place(true);
          if (job.status !== 'running') throw new Error(`a held job is ${job.status}, not running`);
        }
      },
      async fill(count) {
        await inParallel(count, SUBMITTERS, async () => {
          const job = await place(false);
          if (job.status !== 'queued') throw new Error(`a filled job is ${job.status}, not queued`);
        });
      },
      async go() {
        bodies.release();
      },
      async stop() {
        await bodies.idle();
      },
      sqlCounts: { reset: () => store.resetCounts(), read: () => store.counts },
      async close() {
        await closeJobgateStore(store);
      },
    };
  },
};
