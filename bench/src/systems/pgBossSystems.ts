import PgBoss from 'pg-boss';
import { recordedBody, sleep } from '../benchClock.js';
import type { BenchSystem, RunSpec, SystemWorker, WorkerContext } from '../benchSystem.js';
import { packageVersion } from '../packageVersion.js';
import { dropSchema } from '../sqlAdmin.js';
import { inParallel, SUBMITTERS } from './inParallel.js';

/** pg-boss's shortest polling interval (its `work()` loop waits this long between fetches). */
const POLLING_SECONDS = 0.5;
/** Idle wait of the hand-written fetch loop when the queue is empty. */
const FETCH_IDLE_MS = 5;

function openBoss(spec: RunSpec, owner: boolean): PgBoss {
  const boss = new PgBoss({
    connectionString: spec.databaseUrl,
    schema: spec.schema,
    max: 4,
    supervise: false,
    schedule: false,
    migrate: owner,
  });
  boss.on('error', (error: unknown) => {
    process.stderr.write(`pg-boss error: ${String(error)}\n`);
  });
  return boss;
}

async function prepare(spec: RunSpec): Promise<void> {
  const boss = openBoss(spec, true);
  await boss.start();
  await boss.createQueue(spec.queue);
  await boss.stop({ graceful: false, wait: true });
}

async function cleanup(spec: RunSpec): Promise<void> {
  await dropSchema(spec.databaseUrl, spec.schema);
}

const versions = () => ({ 'pg-boss': packageVersion('pg-boss'), pg: packageVersion('pg') });

async function fill(boss: PgBoss, spec: RunSpec, count: number): Promise<void> {
  // Arriving submits: one job per call, as an app would send them.
  if (spec.arriving) {
    await inParallel(count, SUBMITTERS, () => boss.send(spec.queue, {}));
    return;
  }
  for (let i = 0; i < count; i += 500) {
    const jobs = Array.from({ length: Math.min(500, count - i) }, () => ({
      name: spec.queue,
      data: {},
    }));
    await boss.insert(jobs);
  }
}

/** pg-boss's own `work()` loop: `cap` workers of batch size 1 per process. */
export const pgBossWorkSystem: BenchSystem = {
  id: 'pg-boss-work',
  label: 'pg-boss work()',
  versions,
  globalCap: false,
  heldSlots: 0,
  maxJobs: 60,
  setup: `work() x cap per process, batchSize 1, pollingIntervalSeconds ${POLLING_SECONDS} (its minimum)`,
  prepare,
  cleanup,
  async createWorker(context: WorkerContext): Promise<SystemWorker> {
    const { spec } = context;
    const boss = openBoss(spec, false);
    await boss.start();
    return {
      hold: async () => {},
      fill: (count) => fill(boss, spec, count),
      async go() {
        for (let i = 0; i < spec.cap; i++) {
          await boss.work(
            spec.queue,
            { batchSize: 1, pollingIntervalSeconds: POLLING_SECONDS },
            async () => {
              await recordedBody(context);
            },
          );
        }
      },
      async stop() {
        await boss.offWork(spec.queue);
      },
      async close() {
        await boss.stop({ graceful: true, wait: true, timeout: 5_000 });
      },
    };
  },
};

/** A hand-written loop over `fetch()` and `complete()`: `cap` loops per process. */
export const pgBossFetchSystem: BenchSystem = {
  id: 'pg-boss-fetch',
  label: 'pg-boss fetch/complete',
  versions,
  globalCap: false,
  heldSlots: 0,
  setup: `cap loops per process of fetch(batchSize 1) → body → complete(); ${FETCH_IDLE_MS} ms wait when empty`,
  prepare,
  cleanup,
  async createWorker(context: WorkerContext): Promise<SystemWorker> {
    const { spec } = context;
    const boss = openBoss(spec, false);
    await boss.start();
    let running = false;
    let loops: Promise<void>[] = [];
    const loop = async () => {
      while (running) {
        const [job] = await boss.fetch(spec.queue, { batchSize: 1 });
        if (!job) {
          await sleep(FETCH_IDLE_MS);
          continue;
        }
        await recordedBody(context);
        await boss.complete(spec.queue, job.id);
      }
    };
    return {
      hold: async () => {},
      fill: (count) => fill(boss, spec, count),
      async go() {
        running = true;
        loops = Array.from({ length: spec.cap }, loop);
      },
      async stop() {
        running = false;
        await Promise.all(loops);
      },
      async close() {
        await boss.stop({ graceful: true, wait: true, timeout: 5_000 });
      },
    };
  },
};
