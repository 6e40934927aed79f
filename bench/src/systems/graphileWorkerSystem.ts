import {
  Logger,
  makeWorkerUtils,
  type Runner,
  run,
  runMigrations,
  type WorkerUtils,
} from 'graphile-worker';
import { recordedBody } from '../benchClock.js';
import type { BenchSystem, RunSpec, SystemWorker, WorkerContext } from '../benchSystem.js';
import { packageVersion } from '../packageVersion.js';
import { dropSchema } from '../sqlAdmin.js';
import { inParallel, SUBMITTERS } from './inParallel.js';

const TASK = 'bench';

/** Errors only: graphile-worker logs every start and stop at info level. */
const logger = new Logger(() => (level, message) => {
  if (level === 'error') process.stderr.write(`graphile-worker: ${message}\n`);
});

const options = (spec: RunSpec) => ({
  connectionString: spec.databaseUrl,
  schema: spec.schema,
  logger,
});

/** graphile-worker with its defaults (no local queue, no completion batching). */
export const graphileWorkerSystem: BenchSystem = {
  id: 'graphile-worker',
  label: 'graphile-worker',
  versions: () => ({
    'graphile-worker': packageVersion('graphile-worker'),
    pg: packageVersion('pg'),
  }),
  globalCap: false,
  heldSlots: 0,
  setup: 'run({ concurrency: cap }) per process, defaults otherwise (no localQueue, no batching)',
  async prepare(spec) {
    await runMigrations(options(spec));
  },
  async cleanup(spec) {
    await dropSchema(spec.databaseUrl, spec.schema);
  },
  async createWorker(context: WorkerContext): Promise<SystemWorker> {
    const { spec } = context;
    const utils: WorkerUtils = await makeWorkerUtils(options(spec));
    let runner: Runner | null = null;
    return {
      hold: async () => {},
      async fill(count) {
        // Arriving submits: one job per call, as an app would add them.
        if (spec.arriving) {
          await inParallel(count, SUBMITTERS, () => utils.addJob(TASK, {}));
          return;
        }
        for (let i = 0; i < count; i += 500) {
          const jobs = Array.from({ length: Math.min(500, count - i) }, () => ({
            identifier: TASK,
            payload: {},
          }));
          await utils.addJobs(jobs);
        }
      },
      async go() {
        runner = await run({
          ...options(spec),
          concurrency: spec.cap,
          noHandleSignals: true,
          taskList: {
            [TASK]: () => recordedBody(context),
          },
        });
      },
      async stop() {
        await runner?.stop();
        runner = null;
      },
      async close() {
        await utils.release();
      },
    };
  },
};
