export {
  type CreatePgliteStoreOptions,
  type CreatePostgresStoreOptions,
  createPgliteSnapshot,
  createPgliteStore,
  createPostgresStore,
} from './createPostgresStore.js';
export {
  checkSchema,
  type MigrateOptions,
  type MigrateResult,
  migrate,
  migrationsFor,
  notifyChannel,
} from './migrate.js';
export type { Migration } from './migration.js';
export { migrations } from './migrations.js';
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
export type { SqlClient, SqlExecutor } from './sqlClient.js';
export { sqlErrorToJobGateError } from './sqlError.js';
