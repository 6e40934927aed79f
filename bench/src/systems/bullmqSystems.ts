import {
  createPostgresBackend,
  type Job,
  Queue,
  type RedisOptions,
  Worker,
  withBackend,
} from 'bullmq';
import IORedis from 'ioredis';
import { recordedBody } from '../benchClock.js';
import type { BenchSystem, RunSpec, SystemWorker, WorkerContext } from '../benchSystem.js';
import { packageVersion } from '../packageVersion.js';
import { dropSchema } from '../sqlAdmin.js';
import { inParallel, SUBMITTERS } from './inParallel.js';

const JOB_NAME = 'bench';

interface QueueLike {
  setGlobalConcurrency(concurrency: number): Promise<number>;
  addBulk(jobs: { name: string; data: object }[]): Promise<unknown>;
  add(name: string, data: object): Promise<unknown>;
  close(): Promise<void>;
}

interface WorkerLike {
  run(): Promise<void>;
  close(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

interface BullBackend {
  openQueue(spec: RunSpec, owner: boolean): QueueLike;
  openWorker(
    spec: RunSpec,
    processor: (job: Job) => Promise<void>,
    concurrency: number,
  ): WorkerLike;
}

const redisOptions = (spec: RunSpec): RedisOptions => {
  const url = new URL(spec.redisUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    maxRetriesPerRequest: null,
  };
};

const redisBackend: BullBackend = {
  openQueue: (spec) =>
    new Queue(spec.queue, { connection: redisOptions(spec), prefix: spec.redisPrefix }),
  openWorker: (spec, processor, concurrency) =>
    new Worker(spec.queue, processor, {
      connection: redisOptions(spec),
      prefix: spec.redisPrefix,
      concurrency,
      autorun: false,
    }),
};

const pg = withBackend(createPostgresBackend);

const postgresBackend: BullBackend = {
  openQueue: (spec, owner) =>
    new pg.Queue(spec.queue, {
      connection: {
        connectionString: spec.databaseUrl,
        schema: spec.schema,
        max: 4,
        ...(owner ? { migrate: true } : {}),
      },
    }),
  openWorker: (spec, processor, concurrency) =>
    new pg.Worker(spec.queue, processor, {
      connection: { connectionString: spec.databaseUrl, schema: spec.schema, max: 4 },
      concurrency,
      autorun: false,
    }),
};

async function deleteRedisKeys(spec: RunSpec): Promise<void> {
  const redis = new IORedis(spec.redisUrl, { maxRetriesPerRequest: null });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(
        cursor,
        'MATCH',
        `${spec.redisPrefix}:*`,
        'COUNT',
        1000,
      );
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

function bullSystem(
  id: string,
  label: string,
  backend: BullBackend,
  store: 'redis' | 'postgres',
): BenchSystem {
  return {
    id,
    label,
    versions: (): Record<string, string> =>
      store === 'redis'
        ? { bullmq: packageVersion('bullmq'), ioredis: packageVersion('ioredis') }
        : { bullmq: packageVersion('bullmq'), pg: packageVersion('pg') },
    globalCap: true,
    heldSlots: 0,
    setup: `Queue.setGlobalConcurrency(cap), Worker({ concurrency: cap }) per process, defaults otherwise${
      store === 'postgres' ? ' (createPostgresBackend, built into bullmq)' : ''
    }`,
    async prepare(spec) {
      const queue = backend.openQueue(spec, true);
      try {
        await queue.setGlobalConcurrency(spec.cap);
      } finally {
        await queue.close();
      }
    },
    async cleanup(spec) {
      if (store === 'redis') await deleteRedisKeys(spec);
      else await dropSchema(spec.databaseUrl, spec.schema);
    },
    async createWorker(context: WorkerContext): Promise<SystemWorker> {
      const { spec } = context;
      const queue = backend.openQueue(spec, false);
      const processor = () => recordedBody(context);
      let worker: WorkerLike | null = null;
      let running: Promise<void> | null = null;
      return {
        hold: async () => {},
        async fill(count) {
          // Arriving submits: one job per call, as an app would add them.
          if (spec.arriving) {
            await inParallel(count, SUBMITTERS, () => queue.add(JOB_NAME, {}));
            return;
          }
          for (let i = 0; i < count; i += 500) {
            const jobs = Array.from({ length: Math.min(500, count - i) }, () => ({
              name: JOB_NAME,
              data: {},
            }));
            await queue.addBulk(jobs);
          }
        },
        async go() {
          const started = backend.openWorker(spec, processor, spec.cap);
          started.on('error', (error) =>
            process.stderr.write(`${label} worker: ${error.message}\n`),
          );
          worker = started;
          running = started.run();
        },
        async stop() {
          await worker?.close();
          await running;
          worker = null;
          running = null;
        },
        async close() {
          await queue.close();
        },
      };
    },
  };
}

export const bullmqRedisSystem = bullSystem(
  'bullmq-redis',
  'BullMQ (Redis)',
  redisBackend,
  'redis',
);
export const bullmqPostgresSystem = bullSystem(
  'bullmq-postgres',
  'BullMQ (Postgres backend)',
  postgresBackend,
  'postgres',
);
