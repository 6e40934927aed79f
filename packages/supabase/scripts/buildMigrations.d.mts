export declare const MIGRATION_FILE: string;
export declare function buildMigration(): string;
