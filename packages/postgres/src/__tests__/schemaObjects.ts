import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { Migration } from '../migration.js';
import type { SqlClient } from '../sqlClient.js';

/**
 * Every object of a schema with its full definition, the schema's name replaced by `S`:
 * functions, indexes, triggers, views, constraints, sequences and table columns. Two schemas
 * built differently compare equal only if each of these is the same.
 */
export async function schemaObjects(
  client: SqlClient,
  schema: string,
): Promise<Map<string, string>> {
  const rows = await client.query<{ k: string; def: string }>(
    `SELECT 'function ' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS k,
            pg_get_functiondef(p.oid) AS def
       FROM pg_proc p WHERE p.pronamespace = $1::text::regnamespace
     UNION ALL
     SELECT 'index ' || indexname, indexdef FROM pg_indexes WHERE schemaname = $1::text
     UNION ALL
     SELECT 'trigger ' || t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t
       JOIN pg_class c ON c.oid = t.tgrelid
      WHERE c.relnamespace = $1::text::regnamespace AND NOT t.tgisinternal
     UNION ALL
     SELECT 'view ' || viewname, definition FROM pg_views WHERE schemaname = $1::text
     UNION ALL
     SELECT 'constraint ' || c.relname || '.' || k.conname, pg_get_constraintdef(k.oid)
       FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
      WHERE k.connamespace = $1::text::regnamespace
     UNION ALL
     SELECT 'sequence ' || sequence_name, data_type FROM information_schema.sequences
      WHERE sequence_schema = $1::text
     UNION ALL
     SELECT 'column ' || table_name || '.' || column_name,
            concat_ws(' ', data_type, 'null=' || is_nullable, 'default=' || column_default,
                      'identity=' || is_identity, 'position=' || ordinal_position)
       FROM information_schema.columns WHERE table_schema = $1::text`,
    [schema],
  );
  const unqualified = (text: string) => text.split(schema).join('S');
  return new Map(rows.map((r) => [unqualified(r.k), unqualified(r.def)]));
}

/** The keys whose definitions differ between two schemas (missing on one side included). */
export function differences(a: Map<string, string>, b: Map<string, string>): string[] {
  return [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k)).sort();
}

/** The migrations 001–012 of the old code (every function restated in them; fixtures/README.md). */
export const OLD_MIGRATIONS: readonly Migration[] = JSON.parse(
  gunzipSync(readFileSync(new URL('./fixtures/oldMigrations.json.gz', import.meta.url))).toString(
    'utf8',
  ),
);

/**
 * Migrates `schema` as the old migrate() did, up to `version`: each old migration in one
 * transaction with search_path set, its version recorded in jobgate_migrations.
 */
export async function migrateOld(
  client: SqlClient,
  schema: string,
  version: number,
): Promise<void> {
  await client.transaction(async (tx) => {
    await tx.exec('SET LOCAL client_min_messages = warning');
    await tx.exec(
      `CREATE SCHEMA IF NOT EXISTS "${schema}";
       SET LOCAL search_path TO "${schema}";
       CREATE TABLE IF NOT EXISTS jobgate_migrations (
         version integer PRIMARY KEY,
         name text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       );`,
    );
    for (const m of OLD_MIGRATIONS.filter((m) => m.version <= version)) {
      await tx.exec(m.sql);
      await tx.query(
        'INSERT INTO jobgate_migrations (version, name) VALUES ($1::integer, $2::text)',
        [m.version, m.name],
      );
    }
  });
}
