import { randomUUID } from 'node:crypto';
import { createJobRunner, type Job } from '@jobgate/core';
import { createSlotPolicy, type SlotOptions } from '@jobgate/core/adapter';
import type { BenchSystem, RunSpec, SystemWorker, WorkerContext } from '../benchSystem.js';
import { packageVersion } from '../packageVersion.js';
import { dropSchema } from '../sqlAdmin.js';
import { BenchProvider, BodyRunner, benchTool, deferred } from './bodyRunner.js';
import { inParallel, SUBMITTERS } from './inParallel.js';
import {
  closeJobgateStore,
  type JobgateStore,
  migrateJobgate,
  openJobgateStore,
} from './jobgateStore.js';

/**
 * The worker both jobgate systems share. jobgate pushes: held jobs must take a slot at once,
 * and with every slot held each filled job must queue, or the round would not start full.
 */
function pushWorker(
  spec: RunSpec,
  bodies: BodyRunner,
  store: JobgateStore,
  place: (hold: boolean) => Promise<Job>,
  close: () => Promise<void>,
): SystemWorker {
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
        // Arriving submits take a free slot or queue; a filled queue's submits all queue.
        if (job.status !== 'queued' && !(spec.arriving && job.status === 'running'))
          throw new Error(`a filled job is ${job.status}, not queued`);
      });
    },
    async go() {
      bodies.release();
    },
    async stop() {
      await bodies.idle();
    },
    sqlCounts: { reset: () => store.resetCounts(), read: () => store.counts },
    close,
  };
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
    const store = await openJobgateStore(spec);
    const bodies = new BodyRunner(context);
    const runner = createJobRunner({
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
    return pushWorker(spec, bodies, store, submit, async () => {
      runner.close();
      await closeJobgateStore(store);
    });
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
    const store = await openJobgateStore(spec);
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
    return pushWorker(spec, bodies, store, place, () => closeJobgateStore(store));
  },
};
