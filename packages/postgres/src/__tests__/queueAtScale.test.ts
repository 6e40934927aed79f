import { PGlite } from '@electric-sql/pglite';
import type { JobChange, NewJob, SlotLimits } from '@jobgate/core/adapter';
import { describeWith } from '@jobgate/testkit';
import postgres from 'postgres';
import { describe, expect, it, vi } from 'vitest';
import { migrate } from '../migrate.js';
import { pgliteClient } from '../pgliteClient.js';
import { postgresJsClient } from '../postgresJsClient.js';
import { PostgresStore } from '../postgresStore.js';
import type { SqlClient } from '../sqlClient.js';
import { DATABASE_URL, freshSchema } from './pgHarness.js';

const limits: SlotLimits = {
  poolCaps: { default: 1 },
  defaultPoolCap: 1,
  toolCaps: {},
  maxRunningPerUser: null,
};
/** An app clock far from the database's: the SQL must not use it for lifecycle times. */
const WRONG_APP_TIME = Date.UTC(2001, 0, 1);

interface Db {
  client: SqlClient;
  schema: string;
  store: PostgresStore;
  close(): Promise<void>;
}

async function pgliteDb(): Promise<Db> {
  const db = await PGlite.create();
  const client = pgliteClient(db);
  const schema = freshSchema('qs');
  await migrate(client, { schema });
  const store = new PostgresStore(client, { schema, shared: false, closeClient: false });
  const close = async () => {
    await store.close();
    await db.close();
  };
  return { client, schema, store, close };
}

async function serverDb(): Promise<Db> {
  const sql = postgres(DATABASE_URL!, { max: 4, prepare: false, onnotice: () => undefined });
  const client = postgresJsClient(sql);
  const schema = freshSchema('qs');
  await migrate(client, { schema });
  const store = new PostgresStore(client, { schema, closeClient: false });
  return {
    client,
    schema,
    store,
    close: async () => {
      await store.close();
      await client.query(`DROP SCHEMA "${schema}" CASCADE`);
      await sql.end({ timeout: 5 });
    },
  };
}

const job = (id: string): NewJob => ({
  id,
  tool: 'upscaler',
  userId: `u-${id}`,
  pool: 'default',
  input: {},
  userCreditCost: 0,
});

function suite(name: string, open: () => Promise<Db>): void {
  describe(`the queue at scale: ${name}`, () => {
    it('promotes by writing one queued row, sends one queue notice, and every reader sees positions 1..n', async () => {
      const { client, schema, store, close } = await open();
      try {
        const ids = Array.from({ length: 6 }, (_, i) => `q${i}`);
        for (const id of ids) {
          await store.create(job(id), { maxActivePerUser: 1, now: WRONG_APP_TIME });
          await store.start(id, { limits, now: WRONG_APP_TIME });
        }
        expect((await store.queue()).map((j) => [j.id, j.position])).toEqual(
          ids.slice(1).map((id, i) => [id, i + 1]),
        );
        expect((await store.get('q3'))?.position).toBe(3);
        expect((await store.findActive('u-q5'))?.position).toBe(5);
        expect((await store.list({ status: ['queued'] })).map((j) => j.position).sort()).toEqual([
          1, 2, 3, 4, 5,
        ]);

        const version = async () =>
          new Map(
            (
              await client.query<{ id: string; v: string }>(
                `SELECT id, xmin::text AS v FROM "${schema}".jobgate_jobs`,
              )
            ).map((r) => [r.id, r.v]),
          );
        const before = await version();
        const jobs: JobChange[] = [];
        const moved: string[] = [];
        store.subscribe(
          (c) => jobs.push(c),
          (pool) => moved.push(pool),
        );
        const result = await store.finish(
          'q0',
          { status: 'completed', output: null },
          { limits, now: WRONG_APP_TIME, from: ['running'] },
        );
        expect(result.promoted.map((j) => j.id)).toEqual(['q1']);
        const after = await version();
        // Only the finished and the promoted row were written: the queue behind was not.
        expect(ids.filter((id) => before.get(id) !== after.get(id))).toEqual(['q0', 'q1']);
        await vi.waitFor(() => expect(moved).toEqual(['default']));
        await vi.waitFor(() =>
          expect(jobs.map((c) => `${c.id}:${c.status}`).sort()).toEqual([
            'q0:completed',
            'q1:running',
          ]),
        );
        expect((await store.queue()).map((j) => [j.id, j.position])).toEqual([
          ['q2', 1],
          ['q3', 2],
          ['q4', 3],
          ['q5', 4],
        ]);
        // A job joining the tail moves nobody: no queue notice.
        await store.create(job('q6'), { maxActivePerUser: 1, now: WRONG_APP_TIME });
        await store.start('q6', { limits, now: WRONG_APP_TIME });
        await vi.waitFor(() => expect(jobs.map((c) => c.id)).toContain('q6'));
        expect(moved).toEqual(['default']);
      } finally {
        await close();
      }
    }, 60_000);

    it('takes lifecycle timestamps from the database clock, under the lock, in the real order', async () => {
      const { client, store, close } = await open();
      try {
        const [{ t0 }] = (await client.query<{ t0: string }>(
          'SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint::text AS t0',
        )) as [{ t0: string }];
        const ids = ['c0', 'c1', 'c2'];
        for (const id of ids) {
          await store.create(job(id), { maxActivePerUser: 1, now: WRONG_APP_TIME });
          await store.start(id, { limits, now: WRONG_APP_TIME });
        }
        for (const id of ids) {
          await store.finish(
            id,
            { status: 'completed', output: null },
            { limits, now: WRONG_APP_TIME, from: ['running'] },
          );
        }
        const rows = await Promise.all(ids.map(async (id) => (await store.get(id))!));
        const ms = (iso: string | null) => Date.parse(iso!);
        for (const r of rows) {
          // The app's clock said 2001: every lifecycle time is the database's instead.
          for (const at of [r.createdAt, r.startedAt, r.completedAt, r.updatedAt])
            expect(ms(at)).toBeGreaterThanOrEqual(Number(t0) - 1);
          expect(ms(r.startedAt)).toBeGreaterThanOrEqual(ms(r.createdAt));
          expect(ms(r.completedAt)).toBeGreaterThanOrEqual(ms(r.startedAt));
        }
        // c1 and c2 queued in order, then ran in order, each after the one before ended.
        expect(ms(rows[1]!.queuedAt)).toBeLessThanOrEqual(ms(rows[2]!.queuedAt));
        expect(ms(rows[1]!.startedAt)).toBeGreaterThanOrEqual(ms(rows[0]!.completedAt));
        expect(ms(rows[2]!.startedAt)).toBeGreaterThanOrEqual(ms(rows[1]!.completedAt));
      } finally {
        await close();
      }
    }, 60_000);
  });
}

suite('PGlite', pgliteDb);
describeWith('postgres', 'on the PostgreSQL server', () => {
  suite('PostgreSQL', serverDb);
});
