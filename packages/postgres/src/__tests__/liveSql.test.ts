import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import { migrate } from '../migrate.js';
import { functionsMigration, LIVE_SQL_FILES } from '../migrationFiles.js';
import { pgliteClient } from '../pgliteClient.js';
import type { SqlClient } from '../sqlClient.js';
import { freshSchema } from './pgHarness.js';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Every jobgate function, index and trigger of a schema, with its full definition. */
async function objects(client: SqlClient, schema: string): Promise<Map<string, string>> {
  const rows = await client.query<{ k: string; def: string }>(
    `SELECT 'function ' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS k,
            pg_get_functiondef(p.oid) AS def
       FROM pg_proc p WHERE p.pronamespace = $1::text::regnamespace AND p.proname LIKE 'jobgate\\_%'
     UNION ALL
     SELECT 'index ' || indexname, indexdef FROM pg_indexes WHERE schemaname = $1::text
     UNION ALL
     SELECT 'trigger ' || t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t
       JOIN pg_class c ON c.oid = t.tgrelid
      WHERE c.relnamespace = $1::text::regnamespace AND NOT t.tgisinternal`,
    [schema],
  );
  return new Map(rows.map((r) => [r.k, r.def]));
}

describe('the live SQL in packages/postgres/sql/', () => {
  it('is exactly what the migrations leave installed (re-applying it changes nothing)', async () => {
    const db = await PGlite.create();
    const client = pgliteClient(db);
    try {
      const schema = freshSchema('live');
      await migrate(client, { schema });
      const migrated = await objects(client, schema);
      await client.transaction(async (tx) => {
        await tx.exec(`SET LOCAL search_path TO "${schema}";\n${functionsMigration().sql}`);
      });
      const live = await objects(client, schema);
      // A function, index or trigger that a migration changed without its sql/ file (or the
      // reverse) shows up here, by name.
      const differ = [...new Set([...migrated.keys(), ...live.keys()])].filter(
        (k) => migrated.get(k) !== live.get(k),
      );
      expect(differ).toEqual([]);

      // Every live function has its definition in sql/ (nothing only in an old migration).
      const text = LIVE_SQL_FILES.map((f) => readFileSync(join(pkg, 'sql', f), 'utf8')).join('\n');
      const defined = new Set(
        [...text.matchAll(/CREATE OR REPLACE FUNCTION (jobgate_[a-z_]+)\(/g)].map((m) => m[1]),
      );
      const installed = new Set(
        [...live.keys()]
          .filter((k) => k.startsWith('function '))
          .map((k) => k.slice('function '.length, k.indexOf('('))),
      );
      expect([...installed].filter((f) => !defined.has(f))).toEqual([]);
      expect([...defined].filter((f) => !installed.has(f!))).toEqual([]);
    } finally {
      await db.close();
    }
  }, 60_000);

  it('keeps the slot rule in slots.sql and the heal in heal.sql', () => {
    const read = (f: string) => readFileSync(join(pkg, 'sql', f), 'utf8');
    for (const fn of [
      'jobgate_lock_slots',
      'jobgate_fits',
      'jobgate_promote_pool',
      'jobgate_start',
    ])
      expect(read('slots.sql')).toContain(`CREATE OR REPLACE FUNCTION ${fn}(`);
    expect(read('heal.sql')).toContain('CREATE OR REPLACE FUNCTION jobgate_heal(');
    expect(read('lifecycle.sql')).toContain('CREATE OR REPLACE FUNCTION jobgate_finish(');
  });
});
