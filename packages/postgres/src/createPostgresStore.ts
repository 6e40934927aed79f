import { migrate } from './migrate.js';
import { pgliteClient } from './pgliteClient.js';
import { postgresJsClient } from './postgresJsClient.js';
import { PostgresStore } from './postgresStore.js';
import { sqlErrorToJobGateError } from './sqlError.js';

export interface CreatePostgresStoreOptions {
  /** `postgres://…` connection string. */
  url: string;
  /** Default `public`. */
  schema?: string;
  /** Pool size of postgres.js. Default 10. */
  max?: number;
  /** Apply pending migrations first. Default true. */
  migrate?: boolean;
  /**
   * A direct (session) connection string for LISTEN when `url` is a transaction pooler
   * (Supabase port 6543, PgBouncer), which does not deliver notifications.
   */
  listenUrl?: string;
  /** LISTEN for `subscribe` (default true); false: it polls `updated_at` instead. */
  listen?: boolean;
  /** Polling interval of `subscribe` when it does not LISTEN. Default 1000 ms. */
  pollIntervalMs?: number;
  /**
   * Lifecycle timestamps from the database clock (default) or from the `now` each call
   * passes (`caller`: fake clocks in tests). See PostgresStoreOptions.clock.
   */
  clock?: 'database' | 'caller';
}

/**
 * A PostgresStore on a PostgreSQL server through postgres.js (install `postgres`), migrated
 * and ready. Prepared statements are off, so a transaction pooler works too.
 */
export async function createPostgresStore(
  options: CreatePostgresStoreOptions,
): Promise<PostgresStore> {
  const { default: postgres } = await import('postgres');
  const sql = postgres(options.url, {
    max: options.max ?? 10,
    prepare: false,
    onnotice: () => undefined,
    // jobgate sends and reads no SQL arrays, and postgres.js's array-type lookup at connect
    // drops its promise: a connection cut during it is an unhandled rejection, which ends a
    // Node process. Without the lookup, a cut fails the query itself.
    fetch_types: false,
  });
  const client = postgresJsClient(sql);
  try {
    if (options.migrate !== false) await migrate(client, { schema: options.schema ?? 'public' });
  } catch (error) {
    await client.close().catch(() => undefined);
    // An outage at start-up is STORE_UNAVAILABLE, like one later.
    throw sqlErrorToJobGateError(error);
  }
  const listenClient =
    options.listenUrl === undefined
      ? undefined
      : postgresJsClient(
          postgres(options.listenUrl, { max: 1, onnotice: () => undefined, fetch_types: false }),
        );
  return new PostgresStore(client, {
    schema: options.schema ?? 'public',
    ...(listenClient === undefined ? {} : { listenClient }),
    ...(options.listen === undefined ? {} : { listen: options.listen }),
    ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
}

export interface CreatePgliteStoreOptions {
  /** A directory to keep the database in; in memory when omitted. */
  dataDir?: string;
  /**
   * Start from this data-directory tarball (see {@link createPgliteSnapshot}) instead of
   * running initdb: an in-memory store opens in about 1 s instead of about 2.5 s.
   */
  loadDataDir?: Blob;
  /** Default `public`. */
  schema?: string;
  /**
   * Lifecycle timestamps from the database clock (default) or from the `now` each call
   * passes (`caller`: fake clocks in tests). See PostgresStoreOptions.clock.
   */
  clock?: 'database' | 'caller';
}

/**
 * A PostgresStore on PGlite (Postgres in WebAssembly, in-process; install
 * `@electric-sql/pglite`), migrated and ready: the embedded default. Durable with a
 * `dataDir`; not shared between processes.
 */
export async function createPgliteStore(
  options: CreatePgliteStoreOptions = {},
): Promise<PostgresStore> {
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create({
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    ...(options.loadDataDir === undefined ? {} : { loadDataDir: options.loadDataDir }),
  });
  const client = pgliteClient(db);
  try {
    await migrate(client, { schema: options.schema ?? 'public' });
  } catch (error) {
    await client.close();
    throw error;
  }
  return new PostgresStore(client, {
    schema: options.schema ?? 'public',
    durable: options.dataDir !== undefined,
    shared: false,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
}

/**
 * A gzip tarball of a fresh PGlite data directory with the jobgate migrations applied. Cache
 * it (a file, a build artifact) and pass it as `loadDataDir` to `createPgliteStore` to skip
 * initdb on every start of an in-memory store.
 */
export async function createPgliteSnapshot(options: { schema?: string } = {}): Promise<Blob> {
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create();
  try {
    await migrate(pgliteClient(db), { schema: options.schema ?? 'public' });
    return await db.dumpDataDir('gzip');
  } finally {
    await db.close();
  }
}
