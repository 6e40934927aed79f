import { JobGateError } from '@jobgate/core';
import type { FunctionsMigration, Migration } from './migration.js';

/**
 * The `sql/` files in the order they are applied (later files call earlier ones). Every
 * function, trigger and view of jobgate is defined in exactly one of them.
 */
export const LIVE_SQL_FILES: readonly string[] = [
  'helpers.sql',
  'slots.sql',
  'lifecycle.sql',
  'heal.sql',
  'reads.sql',
  'notify.sql',
  'credits.sql',
  'billing.sql',
  'rateLimits.sql',
];

// The package's migrations/ and sql/ sit beside src/ and dist/ (both in its "files"), so the
// same URL serves the sources and the build. Read on first use, never at import: the main
// entry also runs where there is no file system (an edge function that never migrates).
const PACKAGE = new URL('../', import.meta.url);

/** What this file uses of node:fs and node:crypto. */
interface NodeBuiltins {
  'node:fs': {
    readdirSync(path: URL): string[];
    readFileSync(path: URL, encoding: 'utf8'): string;
  };
  'node:crypto': {
    createHash(algorithm: 'sha256'): { update(data: string): { digest(encoding: 'hex'): string } };
  };
}

/**
 * A Node built-in, looked up when used (process.getBuiltinModule, Node ≥ 20.16) rather than
 * imported: the main entry is also type-checked and run by Deno in an edge function, which
 * never migrates and must not need Node's types.
 */
function builtin<K extends keyof NodeBuiltins>(id: K): NodeBuiltins[K] {
  const process = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } })
    .process;
  const module = process?.getBuiltinModule?.(id);
  if (!module) {
    throw new JobGateError(
      'INTERNAL',
      `@jobgate/postgres reads its SQL files with ${id}: migrate() runs on Node ≥ 20.16`,
    );
  }
  return module as NodeBuiltins[K];
}

let loaded: { numbered: readonly Migration[]; functions: FunctionsMigration } | undefined;

/** The names in a directory of the package (`file` undefined), or one file's text. */
function read(dir: string): string[];
function read(dir: string, file: string): string;
function read(dir: string, file?: string): string | string[] {
  const url = new URL(file === undefined ? `${dir}/` : `${dir}/${file}`, PACKAGE);
  try {
    const fs = builtin('node:fs');
    return file === undefined ? fs.readdirSync(url) : fs.readFileSync(url, 'utf8');
  } catch (error) {
    throw new JobGateError(
      'INTERNAL',
      `@jobgate/postgres reads its SQL from ${url.href}, which is missing (${
        error instanceof Error ? error.message : String(error)
      }): a bundle must keep @jobgate/postgres external, or ship its migrations/ and sql/ beside it`,
    );
  }
}

function load(): NonNullable<typeof loaded> {
  if (loaded) return loaded;
  const numbered = read('migrations')
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 3)),
      name: file.slice(4, -4),
      sql: read('migrations', file),
    }));
  const present = read('sql').filter((f) => f.endsWith('.sql'));
  const unlisted = present.filter((f) => !LIVE_SQL_FILES.includes(f));
  if (unlisted.length > 0) {
    throw new JobGateError('INTERNAL', `sql/ files not in LIVE_SQL_FILES: ${unlisted.join(', ')}`);
  }
  const sql = LIVE_SQL_FILES.map(
    (file) => `-- ===== sql/${file} =====\n\n${read('sql', file).trim()}\n`,
  ).join('\n');
  const checksum = builtin('node:crypto').createHash('sha256').update(sql).digest('hex');
  loaded = { numbered, functions: { version: null, name: 'functions', checksum, sql } };
  return loaded;
}

/** The numbered migrations of `migrations/`, in order. */
export function numberedMigrations(): readonly Migration[] {
  return load().numbered;
}

/** The repeatable script: every `sql/` file in {@link LIVE_SQL_FILES} order, with its checksum. */
export function functionsMigration(): FunctionsMigration {
  return load().functions;
}
