import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { describeWith } from '@jobgate/testkit';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { migrate, migrationsFor } from '../migrate.js';
import { numberedMigrations } from '../migrationFiles.js';
import { pgliteClient } from '../pgliteClient.js';
import { postgresJsClient } from '../postgresJsClient.js';
import { DATABASE_URL, freshSchema } from './pgHarness.js';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = promisify(execFile);
const migrations = numberedMigrations();

describe('migrations', () => {
  it('embeds exactly the .sql files of migrations/, in order', () => {
    const files = readdirSync(join(pkg, 'migrations'))
      .filter((f) => f.endsWith('.sql'))
      .sort();
    expect(migrations.map((m) => `${String(m.version).padStart(3, '0')}_${m.name}.sql`)).toEqual(
      files,
    );
    for (const m of migrations) {
      const file = `${String(m.version).padStart(3, '0')}_${m.name}.sql`;
      expect(m.sql, `${file} is not what migrate() applies`).toBe(
        readFileSync(join(pkg, 'migrations', file), 'utf8'),
      );
    }
  });

  it('prefixes each migration with its schema for other migration tools', () => {
    const [first] = migrationsFor('app');
    expect(first!.sql.startsWith('SET LOCAL search_path TO "app";')).toBe(true);
    expect(() => migrationsFor('Robert"); DROP TABLE x;--')).toThrow(/schema/);
  });

  it('applies once, then finds the schema up to date (PGlite)', async () => {
    const db = await PGlite.create();
    const client = pgliteClient(db);
    try {
      expect(await migrate(client, { schema: 'app' })).toEqual({
        applied: migrations.map((m) => m.version),
        functionsApplied: true,
      });
      expect(await migrate(client, { schema: 'app' })).toEqual({
        applied: [],
        functionsApplied: false,
      });
      // Re-running the SQL itself is harmless too (idempotent files).
      for (const m of migrationsFor('app')) await client.transaction((tx) => tx.exec(m.sql));
      const rows = await client.query<{ version: number }>(
        'SELECT version FROM app.jobgate_migrations ORDER BY 1',
      );
      expect(rows.map((r) => r.version)).toEqual(migrations.map((m) => m.version));
    } finally {
      await db.close();
    }
  });
});

describe('migration numbering', () => {
  it('applies a later version over an older database even with gaps in the numbers', async () => {
    const db = await PGlite.create();
    const client = pgliteClient(db);
    try {
      // A database migrated before the credits existed: up to 006 by hand.
      const older = migrationsFor('app').filter((m) => m.version !== null && m.version <= 6);
      await client.transaction(async (tx) => {
        await tx.exec('CREATE SCHEMA app');
        await tx.exec(
          'CREATE TABLE app.jobgate_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
        );
        for (const m of older) {
          await tx.exec(m.sql);
          await tx.query('INSERT INTO app.jobgate_migrations (version, name) VALUES ($1, $2)', [
            m.version,
            m.name,
          ]);
        }
      });
      const pending = migrations.filter((m) => m.version > 6).map((m) => m.version);
      expect(pending).toContain(9);
      expect(await migrate(client, { schema: 'app' })).toEqual({
        applied: pending,
        functionsApplied: true,
      });
      const rows = await client.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_proc WHERE proname = 'jobgate_credits_charge'",
      );
      expect(rows[0]!.n).toBe(1);
    } finally {
      await db.close();
    }
  });
});

describeWith('postgres', 'migrations on the server', () => {
  it('is safe when 6 connections migrate the same fresh schema at once', async () => {
    const schema = freshSchema('mig');
    const sqls = Array.from({ length: 6 }, () =>
      postgres(DATABASE_URL!, { max: 1, onnotice: () => undefined }),
    );
    try {
      const results = await Promise.all(
        sqls.map((sql) => migrate(postgresJsClient(sql), { schema })),
      );
      expect(results.filter((r) => r.applied.length > 0)).toHaveLength(1);
      const [sql] = sqls;
      const rows = await sql!.unsafe(
        `SELECT count(*)::int AS n FROM "${schema}".jobgate_migrations`,
      );
      expect(rows[0]!.n).toBe(migrations.length);
    } finally {
      await sqls[0]!.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await Promise.all(sqls.map((sql) => sql.end({ timeout: 5 })));
    }
  });

  it('runs from the CLI: jobgate-postgres migrate --url … --schema …', async () => {
    const schema = freshSchema('cli');
    // The package's bin, as npx runs it: in this checkout it runs the TypeScript source.
    const bin = join(pkg, 'bin', 'jobgate-postgres.js');
    const cli = [bin, 'migrate', '--url', DATABASE_URL!, '--schema', schema];
    try {
      const first = await run(process.execPath, cli);
      expect(first.stdout).toContain(
        `applied migrations ${migrations.map((m) => m.version).join(', ')}`,
      );
      const second = await run(process.execPath, cli);
      expect(second.stdout).toContain('up to date');
      const bad = await run(process.execPath, [bin, 'frobnicate']).catch(
        (e: { code: number; stderr: string }) => e,
      );
      expect(bad).toMatchObject({ code: 2 });
      expect((bad as { stderr: string }).stderr).toContain('usage: jobgate-postgres migrate');
    } finally {
      const sql = postgres(DATABASE_URL!, { max: 1, onnotice: () => undefined });
      await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await sql.end({ timeout: 5 });
    }
  }, 30_000);
});
