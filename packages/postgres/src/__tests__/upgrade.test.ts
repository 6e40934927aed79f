import { PGlite } from '@electric-sql/pglite';
import type { SlotLimits } from '@jobgate/core/adapter';
import { describeWith } from '@jobgate/testkit';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { migrate } from '../migrate.js';
import { functionsMigration } from '../migrationFiles.js';
import { pgliteClient } from '../pgliteClient.js';
import { postgresJsClient } from '../postgresJsClient.js';
import { PostgresStore } from '../postgresStore.js';
import type { SqlClient } from '../sqlClient.js';
import { DATABASE_URL, freshSchema } from './pgHarness.js';
import { differences, migrateOld, OLD_MIGRATIONS, schemaObjects } from './schemaObjects.js';

const LIMITS: SlotLimits = {
  poolCaps: {},
  defaultPoolCap: 1,
  toolCaps: {},
  maxRunningPerUser: null,
};

/** What a schema holds of jobgate's own, without migrate()'s bookkeeping tables. */
async function jobgateObjects(client: SqlClient, schema: string): Promise<Map<string, string>> {
  const all = await schemaObjects(client, schema);
  return new Map([...all].filter(([k]) => !/jobgate_(migrations|sql_checksums)/.test(k)));
}

/** One job running at the provider and one queued behind it, written by the old functions. */
async function jobsInFlight(client: SqlClient, schema: string): Promise<void> {
  await client.transaction(async (tx) => {
    await tx.exec(`SET LOCAL search_path TO "${schema}"`);
    const limits = JSON.stringify(LIMITS);
    for (const id of ['in-flight', 'waiting']) {
      await tx.query(
        `SELECT jobgate_create(p_id => $1::text, p_tool => 'upscale', p_user_id => $1::text,
                               p_pool => 'default', p_input => '{}'::jsonb, p_user_credit_cost => 0::numeric,
                               p_max_active => 1, p_now => 1000::bigint)`,
        [id],
      );
      await tx.query(
        'SELECT jobgate_start(p_id => $1::text, p_limits => $2::text::jsonb, p_now => 2000::bigint)',
        [id, limits],
      );
    }
    await tx.query(
      "SELECT jobgate_attach_task(p_id => 'in-flight', p_task_id => 'task-1'::text, p_now => 3000::bigint)",
    );
  });
}

async function rows(client: SqlClient, schema: string): Promise<unknown[]> {
  return client.query(`SELECT * FROM "${schema}".jobgate_jobs ORDER BY row_seq`);
}

/**
 * A database migrated by the old code to `version`, with jobs in flight, upgraded by
 * migrate(): the same schema as a fresh migrate() of today's code, the jobs intact, and the
 * queued job still promoted and finished through PostgresStore.
 */
async function upgradesFrom(client: SqlClient, version: number): Promise<void> {
  const fresh = freshSchema('new');
  const old = freshSchema(`v${version}`);
  try {
    await migrate(client, { schema: fresh });
    await migrateOld(client, old, version);
    await jobsInFlight(client, old);
    const before = await rows(client, old);

    const result = await migrate(client, { schema: old });
    expect(result).toEqual({
      applied: OLD_MIGRATIONS.filter((m) => m.version > version).map((m) => m.version),
      functionsApplied: true,
    });
    expect(
      differences(await schemaObjects(client, old), await schemaObjects(client, fresh)),
    ).toEqual([]);
    const after = (await rows(client, old)) as Record<string, unknown>[];
    expect(after.map(({ provider_input: _, ...row }) => row)).toEqual(
      (before as Record<string, unknown>[]).map(({ provider_input: _, ...row }) => row),
    );

    const store = new PostgresStore(client, { schema: old, closeClient: false, clock: 'caller' });
    const finished = await store.finish(
      'in-flight',
      { status: 'completed', output: { ok: true } },
      { limits: LIMITS, now: 4000, taskId: 'task-1' },
    );
    expect(finished.promoted.map((j) => [j.id, j.status])).toEqual([['waiting', 'running']]);
    await store.attachTask('waiting', 'task-2', 5000);
    const done = await store.finish(
      'waiting',
      { status: 'completed', output: { ok: true } },
      { limits: LIMITS, now: 6000, taskId: 'task-2' },
    );
    expect(done.job.status).toBe('completed');
  } finally {
    await client.exec(
      `DROP SCHEMA IF EXISTS "${fresh}" CASCADE; DROP SCHEMA IF EXISTS "${old}" CASCADE`,
    );
  }
}

/** Re-running migrate() applies nothing; a recorded checksum that differs re-applies sql/. */
async function reappliesOnChecksum(client: SqlClient): Promise<void> {
  const schema = freshSchema('sum');
  try {
    await migrate(client, { schema });
    expect(await migrate(client, { schema })).toEqual({ applied: [], functionsApplied: false });
    // A function changed by hand (a stale definition) and a checksum from another sql/.
    await client.exec(
      `CREATE OR REPLACE FUNCTION "${schema}".jobgate_fits(p_pool text, p_tool text, p_user_id text, p_limits jsonb)
         RETURNS boolean LANGUAGE sql AS 'SELECT false';
       UPDATE "${schema}".jobgate_sql_checksums SET checksum = 'stale'`,
    );
    expect(await migrate(client, { schema })).toEqual({ applied: [], functionsApplied: true });
    const [row] = await client.query<{ checksum: string }>(
      `SELECT checksum FROM "${schema}".jobgate_sql_checksums WHERE name = 'functions'`,
    );
    expect(row!.checksum).toBe(functionsMigration().checksum);
    const fresh = freshSchema('ref');
    await migrate(client, { schema: fresh });
    expect(
      differences(await schemaObjects(client, schema), await schemaObjects(client, fresh)),
    ).toEqual([]);
    await client.exec(`DROP SCHEMA "${fresh}" CASCADE`);
  } finally {
    await client.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  }
}

/** The rewritten numbered migrations + sql/ build what the old migrations built. */
async function sameAsOldCode(client: SqlClient): Promise<void> {
  const fresh = freshSchema('new');
  const old = freshSchema('old');
  try {
    await migrate(client, { schema: fresh });
    await migrateOld(client, old, 12);
    expect(
      differences(await jobgateObjects(client, old), await jobgateObjects(client, fresh)),
    ).toEqual([]);
  } finally {
    await client.exec(
      `DROP SCHEMA IF EXISTS "${fresh}" CASCADE; DROP SCHEMA IF EXISTS "${old}" CASCADE`,
    );
  }
}

describe('upgrading a database migrated by the old code (PGlite)', () => {
  it('builds from scratch exactly the schema the old migrations built', async () => {
    const db = await PGlite.create();
    try {
      await sameAsOldCode(pgliteClient(db));
    } finally {
      await db.close();
    }
  }, 120_000);

  it('upgrades a database at 010 and one at 012, jobs in flight', async () => {
    const db = await PGlite.create();
    try {
      await upgradesFrom(pgliteClient(db), 10);
      await upgradesFrom(pgliteClient(db), 12);
    } finally {
      await db.close();
    }
  }, 180_000);

  it('applies nothing when sql/ is unchanged, and re-applies it when its checksum differs', async () => {
    const db = await PGlite.create();
    try {
      await reappliesOnChecksum(pgliteClient(db));
    } finally {
      await db.close();
    }
  }, 120_000);
});

describeWith('postgres', 'upgrading a database migrated by the old code (server)', () => {
  const open = () =>
    postgresJsClient(postgres(DATABASE_URL!, { max: 2, onnotice: () => undefined }));

  it('builds from scratch exactly the schema the old migrations built', async () => {
    const client = open();
    try {
      await sameAsOldCode(client);
    } finally {
      await client.close();
    }
  }, 60_000);

  it('upgrades a database at 010 and one at 012, jobs in flight', async () => {
    const client = open();
    try {
      await upgradesFrom(client, 10);
      await upgradesFrom(client, 12);
    } finally {
      await client.close();
    }
  }, 60_000);

  it('applies nothing when sql/ is unchanged, and re-applies it when its checksum differs', async () => {
    const client = open();
    try {
      await reappliesOnChecksum(client);
    } finally {
      await client.close();
    }
  }, 60_000);
});
