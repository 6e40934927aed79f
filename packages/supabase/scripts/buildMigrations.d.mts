export declare const MIGRATION_FILE: string;
export declare function buildMigration(): string;
export declare const STARTER_MIGRATION_FILE: string;
