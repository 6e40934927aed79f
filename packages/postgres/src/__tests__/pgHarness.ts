import { PGlite } from '@electric-sql/pglite';
import type { Job } from '@jobgate/core';
import { type JobRow, jobFromRow, jobToRow } from '@jobgate/core/adapter';
import type { StoreHarness } from '@jobgate/testkit';
import postgres from 'postgres';
import { migrate } from '../migrate.js';
import { pgliteClient } from '../pgliteClient.js';
import { postgresJsClient } from '../postgresJsClient.js';
import { PostgresStore } from '../postgresStore.js';
import type { SqlClient } from '../sqlClient.js';

export const DATABASE_URL = process.env.DATABASE_URL;

/** A fresh schema name per test run, so runs never see each other's rows. */
export const freshSchema = (tag = 't'): string =>
  `jg_${tag}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;

/** Every column, read straight from the table: the independent read of the test suites. */
export async function rawRows(client: SqlClient, schema: string): Promise<Job[]> {
  // Positions are not stored: computed here, independently of the store's own functions,
  // as the place in the pool's queue (queued rows with a queue_seq, in queue_seq order).
  const rows = await client.query<JobRow & { queue_place: number | null }>(
    `SELECT j.*, q.rn::integer AS queue_place FROM "${schema}".jobgate_jobs j
       LEFT JOIN (SELECT id, row_number() OVER (PARTITION BY pool ORDER BY queue_seq) AS rn
                    FROM "${schema}".jobgate_jobs
                   WHERE status = 'queued' AND waited_in_queue AND queue_seq IS NOT NULL) q
         ON q.id = j.id
      ORDER BY j.row_seq`,
  );
  return rows.map(({ queue_place, ...row }) =>
    jobFromRow({ ...row, position: queue_place === null ? null : Number(queue_place) }),
  );
}

/** Writes a row as is (an upsert that bypasses every rule): legacy data, crash scenarios. */
export async function insertRaw(client: SqlClient, schema: string, job: Job): Promise<void> {
  const row = jobToRow(job);
  const cols = Object.keys(row) as (keyof JobRow)[];
  const inQueue = job.status === 'queued' && job.waitedInQueue && job.position !== null;
  const values = cols.map((c) => {
    const v = row[c];
    return c === 'input' || c === 'output' ? (v === null ? null : JSON.stringify(v)) : v;
  });
  const casts = cols.map((c, i) =>
    c === 'input' || c === 'output' ? `$${i + 1}::text::jsonb` : `$${i + 1}`,
  );
  await client.query(
    `INSERT INTO "${schema}".jobgate_jobs (${cols.join(', ')}, queue_seq)
     VALUES (${casts.join(', ')}, ${inQueue ? `nextval('"${schema}".jobgate_queue_seq')` : 'NULL'})
     ON CONFLICT (id) DO UPDATE SET ${cols
       .filter((c) => c !== 'id')
       .map((c) => `${c} = EXCLUDED.${c}`)
       .join(', ')}, queue_seq = EXCLUDED.queue_seq`,
    values,
  );
}

function harnessOf(
  client: SqlClient,
  schema: string,
  store: PostgresStore,
  dispose: () => Promise<void>,
): StoreHarness {
  return {
    store,
    rows: () => rawRows(client, schema),
    insertRow: (job) => insertRaw(client, schema, job),
    reset: async () => {
      await client.query(`TRUNCATE "${schema}".jobgate_jobs`);
    },
    close: async () => {
      await store.close();
      await dispose();
    },
  };
}

/** PGlite in memory, migrated into a fresh schema. */
export async function pgliteHarness(): Promise<StoreHarness> {
  const db = await PGlite.create();
  const client = pgliteClient(db);
  const schema = freshSchema('lite');
  await migrate(client, { schema });
  const store = new PostgresStore(client, {
    schema,
    durable: false,
    shared: false,
    closeClient: false,
    // The shared suites drive time with a fake clock.
    clock: 'caller',
  });
  return harnessOf(client, schema, store, () => db.close());
}

/**
 * The PostgreSQL server at DATABASE_URL (postgres.js), in a fresh schema dropped on close.
 * `listen: false` for a transaction pooler (subscribe then polls).
 */
export async function serverHarness(
  url = DATABASE_URL!,
  options: { listen?: boolean; listenUrl?: string } = {},
): Promise<StoreHarness> {
  const sql = postgres(url, { max: 8, prepare: false, onnotice: () => undefined });
  const client = postgresJsClient(sql);
  const schema = freshSchema('pg');
  await migrate(client, { schema });
  const direct = options.listenUrl
    ? postgres(options.listenUrl, { max: 1, onnotice: () => undefined })
    : null;
  const store = new PostgresStore(client, {
    schema,
    closeClient: false,
    clock: 'caller',
    ...(options.listen === false ? { listen: false, pollIntervalMs: 50 } : {}),
    ...(direct ? { listenClient: postgresJsClient(direct) } : {}),
  });
  return harnessOf(client, schema, store, async () => {
    await client.query(`DROP SCHEMA "${schema}" CASCADE`);
    await sql.end({ timeout: 5 });
    await direct?.end({ timeout: 5 });
  });
}
