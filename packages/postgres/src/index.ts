export {
  type CreatePgliteStoreOptions,
  type CreatePostgresStoreOptions,
  createPgliteSnapshot,
  createPgliteStore,
  createPostgresStore,
} from './createPostgresStore.js';
export { type JobStoreCalls, jobStoreCalls } from './jobStoreCalls.js';
export {
  checkSchema,
  type MigrateOptions,
  type MigrateResult,
  migrate,
  migrationsFor,
  notifyChannel,
} from './migrate.js';
export type { FunctionsMigration, Migration } from './migration.js';
export { functionsMigration, LIVE_SQL_FILES, numberedMigrations } from './migrationFiles.js';
export { pgClient } from './pgClient.js';
export { pgliteClient } from './pgliteClient.js';
export {
  PostgresBilling,
  type PostgresBillingOptions,
  type RpcTarget,
} from './postgresBilling.js';
export { postgresJsClient } from './postgresJsClient.js';
export {
  type PostgresRateCounter,
  type PostgresRateCounterOptions,
  postgresRateCounter,
} from './postgresRateCounter.js';
export { PostgresStore, type PostgresStoreOptions } from './postgresStore.js';
export type { SqlClient, SqlClientCapabilities, SqlExecutor } from './sqlClient.js';
export { sqlErrorToJobGateError } from './sqlError.js';
export {
  SQL_FUNCTIONS,
  type SqlArgs,
  type SqlCall,
  type SqlFunctionName,
  sqlCall,
  toRpcArgs,
  toSqlQuery,
} from './sqlFunctions.js';
export { SqlStore, type SqlStoreFeed, type SqlStoreOptions } from './sqlStore.js';
export { type SqlTransport, sqlClientTransport } from './sqlTransport.js';
