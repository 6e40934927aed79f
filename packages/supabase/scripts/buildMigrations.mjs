// Writes jobgate's Supabase migration (supabaseMigration() of src/supabaseMigration.ts: the
// @jobgate/postgres numbered migrations, its functions in sql/, then sql/supabase.sql) as
// <dir>/20260201000000_jobgate.sql. Nothing generated is committed: the local stand-in builds
// it in memory (applyMigrations), the vendor step writes it into a copy of the starter, and
// `npm pack` of this package writes it into supabase/migrations/ (prepack).
//   node packages/supabase/scripts/buildMigrations.mjs [--out <dir>]   (default: this package's supabase/migrations)
//   node packages/supabase/scripts/buildMigrations.mjs --check         (root: npm run check:migrations)
// --check builds it and checks that each jobgate SQL function, trigger and view is defined in
// exactly one SQL file of the repository (the numbered migrations only drop superseded ones).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const repo = join(root, '..', '..');

// The TypeScript sources, with workspace imports resolved to them (as in the tests).
register(
  `data:text/javascript,${encodeURIComponent(
    "export const resolve = (s, c, next) => next(s, { ...c, conditions: [...c.conditions, '@jobgate/source'] });",
  )}`,
);
(await import('tsx/esm/api')).register();
const { SUPABASE_MIGRATION_NAME, supabaseMigration } = await import('../src/supabaseMigration.ts');

/** Files of the repository that define `name` (create [or replace] function|trigger|view). */
function definitions() {
  const files = execFileSync('git', ['ls-files', '*.sql'], { cwd: repo, encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
  const where = new Map();
  for (const file of files) {
    const text = readFileSync(join(repo, file), 'utf8');
    for (const [, kind, name] of text.matchAll(
      /create\s+(?:or\s+replace\s+)?(function|trigger|view)\s+(\w+)/gi,
    )) {
      const key = `${kind.toLowerCase()} ${name}`;
      where.set(key, new Set([...(where.get(key) ?? []), file]));
    }
  }
  return where;
}

const { values } = parseArgs({ options: { out: { type: 'string' }, check: { type: 'boolean' } } });
const sql = supabaseMigration();
if (values.check) {
  const twice = [...definitions()].filter(([, files]) => files.size > 1);
  for (const [key, files] of twice) console.error(`${key} is defined in ${[...files].join(', ')}`);
  if (twice.length > 0) process.exit(1);
  console.log(
    `the Supabase migration builds (${sql.split('\n').length} lines); every SQL function, trigger and view is defined once`,
  );
} else {
  const dir = resolve(
    process.env.INIT_CWD ?? process.cwd(),
    values.out ?? join(root, 'supabase', 'migrations'),
  );
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, SUPABASE_MIGRATION_NAME), sql);
  // stderr: under `npm pack --json` (prepack) stdout is the pack's JSON.
  console.error(`wrote ${join(dir, SUPABASE_MIGRATION_NAME)}`);
}
