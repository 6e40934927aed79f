import { JobGateError } from '@jobgate/core';
import type { FunctionsMigration, Migration } from './migration.js';
import { functionsMigration, numberedMigrations } from './migrationFiles.js';
import type { SqlClient } from './sqlClient.js';

const SCHEMA = /^[a-z_][a-z0-9_]{0,48}$/;

/** Checks a schema name (lowercase letters, digits, `_`; ≤ 49 chars, so channel names fit). */
export function checkSchema(schema: string): string {
  if (!SCHEMA.test(schema)) {
    throw new JobGateError(
      'VALIDATION',
      `schema "${schema}" must match ${SCHEMA} (lowercase letters, digits and _)`,
    );
  }
  return schema;
}

/** The NOTIFY channel of a schema's jobs table (see sql/notify.sql). */
export function notifyChannel(schema: string): string {
  return schema === 'public' ? 'jobgate_jobs' : `jobgate_jobs__${schema}`;
}

export interface MigrateOptions {
  /** Target schema; created if missing. Default `public`. */
  schema?: string;
}

export interface MigrateResult {
  /** Numbered versions applied by this call (empty when the schema was up to date). */
  applied: number[];
  /**
   * Whether this call (re)applied the functions (`sql/`): when their checksum differed from
   * the one recorded in `jobgate_sql_checksums`, or a numbered migration was applied.
   */
  functionsApplied: boolean;
}

/**
 * Applies the pending numbered migrations, then the functions (`sql/`, all `create or
 * replace`) when their checksum changed, in one transaction. Concurrent calls are safe: they
 * serialize on a transaction-scoped advisory lock, and each applies only what
 * `jobgate_migrations` and `jobgate_sql_checksums` do not list yet (read after the lock).
 */
export async function migrate(
  client: SqlClient,
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  const schema = checkSchema(options.schema ?? 'public');
  const numbered = numberedMigrations();
  const functions = functionsMigration();
  return client.transaction(async (tx) => {
    await tx.exec('SET LOCAL client_min_messages = warning');
    await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0))', [
      `jobgate:migrate:${schema}`,
    ]);
    await tx.exec(
      `CREATE SCHEMA IF NOT EXISTS "${schema}";
       SET LOCAL search_path TO "${schema}";
       CREATE TABLE IF NOT EXISTS jobgate_migrations (
         version integer PRIMARY KEY,
         name text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       );
       CREATE TABLE IF NOT EXISTS jobgate_sql_checksums (
         name text PRIMARY KEY,
         checksum text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       );`,
    );
    const done = new Set(
      (await tx.query<{ version: number }>('SELECT version FROM jobgate_migrations')).map((r) =>
        Number(r.version),
      ),
    );
    const applied: number[] = [];
    for (const migration of numbered) {
      if (done.has(migration.version)) continue;
      await tx.exec(migration.sql);
      await tx.query(
        'INSERT INTO jobgate_migrations (version, name) VALUES ($1::integer, $2::text)',
        [migration.version, migration.name],
      );
      applied.push(migration.version);
    }
    const [recorded] = await tx.query<{ checksum: string }>(
      'SELECT checksum FROM jobgate_sql_checksums WHERE name = $1::text',
      [functions.name],
    );
    const functionsApplied = applied.length > 0 || recorded?.checksum !== functions.checksum;
    if (functionsApplied) {
      await tx.exec(functions.sql);
      await tx.query(
        `INSERT INTO jobgate_sql_checksums (name, checksum) VALUES ($1::text, $2::text)
         ON CONFLICT (name) DO UPDATE SET checksum = EXCLUDED.checksum, applied_at = now()`,
        [functions.name, functions.checksum],
      );
    }
    return { applied, functionsApplied };
  });
}

/**
 * The migrations as standalone scripts for a migration tool (Supabase CLI, Flyway, …): the
 * numbered ones in order (apply each once), then the functions (`version: null`; apply it
 * after them whenever its `checksum` changes, e.g. as a Flyway repeatable migration). Each
 * starts by pointing search_path at `schema` for its transaction, so the functions bind to
 * that schema's tables.
 */
export function migrationsFor(schema = 'public'): Array<Migration | FunctionsMigration> {
  checkSchema(schema);
  const prefix = `SET LOCAL search_path TO "${schema}";\n\n`;
  return [
    ...numberedMigrations().map((m) => ({ ...m, sql: prefix + m.sql })),
    { ...functionsMigration(), sql: prefix + functionsMigration().sql },
  ];
}
