/**
 * One numbered migration (`migrations/NNN_name.sql`): what must run once and in order (tables,
 * columns, constraints, indexes, data, drops of superseded functions). Plain SQL, run with
 * search_path set to the target schema.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * The repeatable part: every function, trigger and view of jobgate (`sql/*.sql`, all
 * `create or replace`), as one script. It runs after the numbered migrations, again whenever
 * its `checksum` (sha256 of `sql`, hex) differs from the one last applied.
 */
export interface FunctionsMigration {
  /** Not numbered: it is applied by checksum, not once. */
  version: null;
  name: 'functions';
  checksum: string;
  sql: string;
}
