import { DBOS, DBOSClient, type DLogger } from '@dbos-inc/dbos-sdk';
// What `npx dbos schema <url> --schema <name>` runs (its CLI, dist/src/cli/cli.js of the package).
import { migrateSystemDatabase } from '@dbos-inc/dbos-sdk/internal/system_database';
import { GlobalLogger } from '@dbos-inc/dbos-sdk/internal/telemetry/logs';
import { recordedBody } from '../benchClock.js';
import type { BenchSystem, RunSpec, SystemWorker, WorkerContext } from '../benchSystem.js';
import { packageVersion } from '../packageVersion.js';
import { dropSchema } from '../sqlAdmin.js';
import { inParallel, SUBMITTERS } from './inParallel.js';

const APP = 'jobgate-bench';
const VERSION = 'bench';
const WORKFLOW = 'benchJob';

/**
 * The queue's polling interval, the smallest the package allows: `QueueParameters
 * .minPollingIntervalMs` is documented in its typings (node_modules/@dbos-inc/dbos-sdk/dist/src/
 * wfqueue.d.ts) as "Base (minimum) polling interval in ms for this queue's dispatch loop
 * (default 1000)", and `validateQueueParams` refuses only a value ≤ 0. A completion does not
 * wake the dispatcher: a freed slot is taken at the next poll of the queue.
 */
export const DBOS_POLLING_MS = 1;

const logger = () => new GlobalLogger(undefined, { logLevel: 'error' });

/** Errors only: the client logs each queue it registers at info level. */
const clientLogger: DLogger = {
  info: () => {},
  debug: () => {},
  warn: () => {},
  error: (error) => process.stderr.write(`DBOS client: ${String(error)}\n`),
};

const openClient = (spec: RunSpec) =>
  DBOSClient.create({
    systemDatabaseUrl: spec.databaseUrl,
    systemDatabaseSchemaName: spec.schema,
    applicationName: APP,
    logger: clientLogger,
  });

/**
 * DBOS Transact: a workflow per job on one queue with `globalConcurrency: cap` (global across
 * the processes, counted in its system database on PostgreSQL) and the smallest polling
 * interval; everything else at its defaults. Jobs are enqueued with `DBOSClient.enqueue`; each
 * process dispatches from `DBOS.launch()` (go) to `DBOS.shutdown()` (stop).
 */
export const dbosSystem: BenchSystem = {
  id: 'dbos',
  label: 'DBOS Transact',
  versions: () => ({
    '@dbos-inc/dbos-sdk': packageVersion('@dbos-inc/dbos-sdk'),
    pg: packageVersion('pg'),
  }),
  globalCap: true,
  heldSlots: 0,
  setup:
    `registerQueue({ globalConcurrency: cap, minPollingIntervalMs: ${DBOS_POLLING_MS} }) (its smallest; default 1000), ` +
    'one workflow per job, DBOSClient.enqueue to submit, DBOS.launch() per process, defaults otherwise',
  async prepare(spec) {
    await migrateSystemDatabase(spec.databaseUrl, logger(), spec.schema);
    const client = await openClient(spec);
    try {
      await client.registerQueue(spec.queue, {
        globalConcurrency: spec.cap,
        minPollingIntervalMs: DBOS_POLLING_MS,
      });
    } finally {
      await client.destroy();
    }
  },
  async cleanup(spec) {
    await dropSchema(spec.databaseUrl, spec.schema);
  },
  async createWorker(context: WorkerContext): Promise<SystemWorker> {
    const { spec } = context;
    DBOS.setConfig({
      name: APP,
      systemDatabaseUrl: spec.databaseUrl,
      systemDatabaseSchemaName: spec.schema,
      applicationVersion: VERSION,
      executorID: `bench-${process.pid}`,
      logLevel: 'error',
      runMigrations: false,
    });
    DBOS.registerWorkflow(() => recordedBody(context), { name: WORKFLOW });
    const client = await openClient(spec);
    let launched = false;
    return {
      hold: async () => {},
      async fill(count) {
        await inParallel(count, SUBMITTERS, () =>
          client.enqueue({ queueName: spec.queue, workflowName: WORKFLOW, appVersion: VERSION }),
        );
      },
      async go() {
        await DBOS.launch();
        launched = true;
      },
      async stop() {
        // Wait for the last completions to be written: none is left to recover at the next launch.
        if (launched) await DBOS.shutdown({ workflowCompletionTimeoutMS: 10_000 });
        launched = false;
      },
      async close() {
        await client.destroy();
      },
    };
  },
};
