/** The sql/ files in the order they are installed. */
export const LIVE_SQL_FILES: readonly string[];
/** The live SQL: every sql/ file, in install order, as one script. */
export function liveSql(): string;
/** A versioned migration generated from the live SQL. */
export function renderMigration(version: string, name: string, why: string): string;
