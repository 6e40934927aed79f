import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { JobChange, SlotLimits } from '@jobgate/core/adapter';
import { describeStoreConformance, describeWith } from '@jobgate/testkit';
import pg from 'pg';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createPgliteSnapshot,
  createPgliteStore,
  createPostgresStore,
} from '../createPostgresStore.js';
import { migrate, notifyChannel } from '../migrate.js';
import { numberedMigrations } from '../migrationFiles.js';
import { pgClient } from '../pgClient.js';
import { pgliteClient } from '../pgliteClient.js';
import { postgresJsClient } from '../postgresJsClient.js';
import { PostgresStore } from '../postgresStore.js';
import type { SqlClient } from '../sqlClient.js';
import { DATABASE_URL, freshSchema, insertRaw, rawRows } from './pgHarness.js';

const T0 = Date.UTC(2026, 0, 1, 12);
const limits: SlotLimits = {
  poolCaps: { default: 3 },
  defaultPoolCap: 3,
  toolCaps: {},
  maxRunningPerUser: null,
};
const job = (id: string, input: Record<string, string> = {}) => ({
  id,
  tool: 'upscaler',
  userId: `user-${id}`,
  pool: 'default',
  input,
  userCreditCost: 60,
});

describe('PGlite', () => {
  let db: PGlite;
  let client: SqlClient;
  const schema = freshSchema('drv');

  beforeAll(async () => {
    db = await PGlite.create();
    client = pgliteClient(db);
    await migrate(client, { schema });
  });
  afterAll(async () => {
    await db.close();
  });

  it('sends one compact NOTIFY per changed row, far below 8 kB even for a large input', async () => {
    const payloads: string[] = [];
    const stop = await client.listen(notifyChannel(schema), (p) => payloads.push(p));
    const store = new PostgresStore(client, {
      schema,
      closeClient: false,
      shared: false,
      durable: false,
    });
    await store.create(job('big', { blob: 'x'.repeat(50_000) }), { maxActivePerUser: 1, now: T0 });
    await store.start('big', { limits, now: T0 });
    await vi.waitFor(() => expect(payloads).toHaveLength(2));
    expect(payloads.map((p) => JSON.parse(p))).toEqual([
      { id: 'big', status: 'starting', user_id: 'user-big' },
      { id: 'big', status: 'running', user_id: 'user-big' },
    ]);
    expect(Math.max(...payloads.map((p) => p.length))).toBeLessThan(200);
    await stop();
  });

  it('polls updated_at when the client cannot LISTEN', async () => {
    const noListen: SqlClient = {
      ...client,
      capabilities: { listen: false },
      listen: () => {
        throw new Error('never called: capabilities.listen is false');
      },
    };
    const store = new PostgresStore(noListen, {
      schema,
      closeClient: false,
      pollIntervalMs: 20,
      shared: false,
    });
    expect(store.capabilities.crossProcessEvents).toBe(false);
    const seen: JobChange[] = [];
    const stop = store.subscribe((c) => seen.push(c));
    await new Promise((r) => setTimeout(r, 60)); // the first poll sets the watermark
    await store.create(job('polled'), { maxActivePerUser: 1, now: T0 + 1_000 });
    await store.start('polled', { limits, now: T0 + 2_000 });
    await vi.waitFor(() =>
      expect(seen.filter((c) => c.id === 'polled').map((c) => c.status)).toContain('running'),
    );
    expect(seen.find((c) => c.id === 'polled')).toMatchObject({ userId: 'user-polled' });
    stop();
    await store.close();
  });

  it('keeps jobs in a data directory across restarts (createPgliteStore)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'jobgate-pglite-test-'));
    try {
      const first = await createPgliteStore({ dataDir: dir, clock: 'caller' });
      expect(first.capabilities).toEqual({
        durable: true,
        shared: false,
        crossProcessEvents: false,
      });
      await first.create(job('kept'), { maxActivePerUser: 1, now: T0 });
      await first.start('kept', { limits, now: T0 });
      await first.close();
      const second = await createPgliteStore({ dataDir: dir, clock: 'caller' });
      expect(await second.get('kept')).toMatchObject({
        status: 'running',
        startedAt: new Date(T0).toISOString(),
      });
      expect(await second.counts('default')).toEqual({ running: 1, queued: 0 });
      await second.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('opens an in-memory store from a migrated snapshot (no initdb)', async () => {
    const snapshot = await createPgliteSnapshot();
    const store = await createPgliteStore({ loadDataDir: snapshot });
    try {
      expect(store.capabilities.durable).toBe(false);
      const rows = await store.client.query<{ version: number }>(
        'SELECT version FROM jobgate_migrations ORDER BY 1',
      );
      expect(rows.map((r) => r.version)).toEqual(numberedMigrations().map((m) => m.version));
      await store.create(job('snap'), { maxActivePerUser: 1, now: T0 });
      expect((await store.start('snap', { limits, now: T0 })).job.status).toBe('running');
    } finally {
      await store.close();
    }
  }, 60_000);

  it('keeps a raw-inserted real queue member in the queue, and a phantom out of it', async () => {
    const store = new PostgresStore(client, { schema, closeClient: false });
    const base = (await store.get('big'))!;
    await insertRaw(client, schema, {
      ...base,
      id: 'legacy-real',
      userId: 'legacy-a',
      status: 'queued',
      waitedInQueue: true,
      position: 1,
      queuedAt: base.createdAt,
      startedAt: null,
    });
    await insertRaw(client, schema, {
      ...base,
      id: 'legacy-phantom',
      userId: 'legacy-b',
      status: 'queued',
      waitedInQueue: false,
      position: null,
      startedAt: null,
    });
    expect((await store.queue('default')).map((j) => j.id)).toEqual(['legacy-real']);
    expect((await rawRows(client, schema)).find((j) => j.id === 'legacy-phantom')).toMatchObject({
      status: 'queued',
      position: null,
    });
    expect(await store.counts('default')).toMatchObject({ queued: 2 });
  });
});

describeWith('postgres', 'node-postgres (pg) driver', () => {
  describeStoreConformance('PostgresStore on PostgreSQL (pg)', async () => {
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 8 });
    const client = pgClient(pool);
    const schema = freshSchema('pgd');
    await migrate(client, { schema });
    const store = new PostgresStore(client, { schema, closeClient: false, clock: 'caller' });
    return {
      store,
      rows: () => rawRows(client, schema),
      insertRow: (j) => insertRaw(client, schema, j),
      reset: async () => {
        await client.query(`TRUNCATE "${schema}".jobgate_jobs`);
      },
      close: async () => {
        await store.close();
        await client.query(`DROP SCHEMA "${schema}" CASCADE`);
        await pool.end();
      },
    };
  });
});

describeWith('postgres', 'the LISTEN connection', () => {
  it.each(['pg', 'postgres.js'])(
    'listens again after its connection is killed (%s)',
    async (driver) => {
      const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 4 });
      const sql = postgres(DATABASE_URL!, { max: 4, onnotice: () => undefined });
      const client = driver === 'pg' ? pgClient(pool) : postgresJsClient(sql);
      const schema = freshSchema('pgl');
      await migrate(client, { schema });
      const store = new PostgresStore(client, { schema, closeClient: false });
      try {
        const seen: string[] = [];
        store.subscribe((c) => seen.push(`${c.id}:${c.status}`));
        await store.create(job('l1'), { maxActivePerUser: 1, now: T0 });
        await vi.waitFor(() => expect(seen).toEqual(['l1:starting']));
        const killed = await client.query<{ ok: boolean; pid: number }>(
          `SELECT pg_terminate_backend(pid) AS ok, pid FROM pg_stat_activity WHERE lower(query) = lower($1)`,
          [`LISTEN "${notifyChannel(schema)}"`],
        );
        expect(killed.map((r) => r.ok)).toEqual([true]);
        // The killed backend can linger in pg_stat_activity for a moment: wait for a new one.
        await vi.waitFor(
          async () => {
            const rows = await client.query(
              `SELECT 1 FROM pg_stat_activity WHERE lower(query) = lower($1) AND state = 'idle' AND pid <> $2`,
              [`LISTEN "${notifyChannel(schema)}"`, killed[0]?.pid],
            );
            expect(rows).toHaveLength(1);
          },
          { timeout: 5_000, interval: 100 },
        );
        await store.start('l1', { limits, now: T0 });
        await vi.waitFor(() => expect(seen).toEqual(['l1:starting', 'l1:running']), {
          timeout: 5_000,
        });
      } finally {
        await store.close();
        await client.query(`DROP SCHEMA "${schema}" CASCADE`);
        await pool.end();
        await sql.end({ timeout: 5 });
      }
    },
  );
});

describeWith('postgres', 'createPostgresStore', () => {
  it('migrates, serves, and delivers changes from another connection by LISTEN', async () => {
    const schema = freshSchema('cps');
    const a = await createPostgresStore({ url: DATABASE_URL!, schema, max: 2 });
    const b = await createPostgresStore({ url: DATABASE_URL!, schema, max: 2, migrate: false });
    try {
      expect(a.capabilities).toEqual({ durable: true, shared: true, crossProcessEvents: true });
      const seen: string[] = [];
      a.subscribe((c) => seen.push(`${c.id}:${c.status}`));
      await b.create(job('x1'), { maxActivePerUser: 1, now: T0 });
      await b.start('x1', { limits, now: T0 });
      await vi.waitFor(() => expect(seen).toEqual(['x1:starting', 'x1:running']));
      // Behind a transaction pooler: no LISTEN, polling sees the other connection's changes.
      const polling = await createPostgresStore({
        url: DATABASE_URL!,
        schema,
        max: 1,
        migrate: false,
        listen: false,
        pollIntervalMs: 25,
      });
      const polled: string[] = [];
      polling.subscribe((c) => polled.push(`${c.id}:${c.status}`));
      await new Promise((r) => setTimeout(r, 100)); // the first poll sets the watermark
      await b.finish('x1', { status: 'completed' }, { limits, now: T0 + 1_000 });
      await vi.waitFor(() => expect(polled).toContain('x1:completed'));
      await polling.close();
      // Queries through the pooler (when one is configured), LISTEN on a direct connection.
      const split = await createPostgresStore({
        url: process.env.JOBGATE_POOLER_URL ?? DATABASE_URL!,
        listenUrl: DATABASE_URL!,
        schema,
        max: 2,
        migrate: false,
      });
      const heard: string[] = [];
      split.subscribe((c) => heard.push(`${c.id}:${c.status}`));
      await split.create(job('x2'), { maxActivePerUser: 1, now: T0 });
      await split.start('x2', { limits, now: T0 });
      await vi.waitFor(() => expect(heard).toEqual(['x2:starting', 'x2:running']));
      await split.close();
    } finally {
      await b.close();
      await a.client.query(`DROP SCHEMA "${schema}" CASCADE`);
      await a.close();
    }
  });
});
