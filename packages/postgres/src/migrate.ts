import { JobGateError } from '@jobgate/core';
import type { Migration } from './migration.js';
import { migrations } from './migrations.js';
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

/** The NOTIFY channel of a schema's jobs table (see migration 001). */
export function notifyChannel(schema: string): string {
  return schema === 'public' ? 'jobgate_jobs' : `jobgate_jobs__${schema}`;
}

export interface MigrateOptions {
  /** Target schema; created if missing. Default `public`. */
  schema?: string;
}

export interface MigrateResult {
  /** Versions applied by this call (empty when the schema was up to date). */
  applied: number[];
}

/**
 * Applies the pending migrations in one transaction. Concurrent calls are safe: they
 * serialize on a transaction-scoped advisory lock, and each applies only what the
 * `jobgate_migrations` table does not list yet (read after the lock).
 */
export async function migrate(
  client: SqlClient,
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  const schema = checkSchema(options.schema ?? 'public');
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
       );`,
    );
    const done = new Set(
      (await tx.query<{ version: number }>('SELECT version FROM jobgate_migrations')).map((r) =>
        Number(r.version),
      ),
    );
    const applied: number[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await tx.exec(migration.sql);
      await tx.query(
        'INSERT INTO jobgate_migrations (version, name) VALUES ($1::integer, $2::text)',
        [migration.version, migration.name],
      );
      applied.push(migration.version);
    }
    return { applied };
  });
}

/**
 * The migrations as standalone scripts for a migration tool (Supabase CLI, Flyway, …): each
 * starts by pointing search_path at `schema` for its transaction, so the functions bind to
 * that schema's tables.
 */
export function migrationsFor(schema = 'public'): Migration[] {
  checkSchema(schema);
  return migrations.map((m) => ({
    ...m,
    sql: `SET LOCAL search_path TO "${schema}";\n\n${m.sql}`,
  }));
}
