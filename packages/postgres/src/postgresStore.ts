import { checkSchema } from './migrate.js';
import { PostgresChangeFeed } from './postgresChangeFeed.js';
import type { SqlClient } from './sqlClient.js';
import { SqlStore } from './sqlStore.js';
import { sqlClientTransport } from './sqlTransport.js';

export interface PostgresStoreOptions {
  /** Schema holding the jobgate tables and functions. Default `public`. */
  schema?: string;
  /** State survives a restart. Default true (false for in-memory PGlite). */
  durable?: boolean;
  /** Several processes share the database. Default true (false for PGlite). */
  shared?: boolean;
  /**
   * Use LISTEN for `subscribe` when the client can. Set false behind a transaction pooler
   * (Supabase port 6543, PgBouncer in transaction mode), where LISTEN is not delivered:
   * `subscribe` then polls. Default true.
   */
  listen?: boolean;
  /**
   * A separate client for LISTEN: behind a transaction pooler, run the queries through the
   * pooler and LISTEN on a direct (session) connection. Closed with the store when
   * `closeClient` is true.
   */
  listenClient?: Pick<SqlClient, 'capabilities' | 'listen' | 'close'>;
  /** Polling interval of `subscribe` when it does not LISTEN. Default 1000 ms. */
  pollIntervalMs?: number;
  /** Close the client when the store closes. Default true. */
  closeClient?: boolean;
  /**
   * Where lifecycle timestamps (created_at, queued_at, started_at, completed_at) and the
   * time rules of heal come from. `database` (default): the database clock, read under the
   * lock of each change, so the columns show the real order across server instances.
   * `caller`: the `now` passed to each method (fake clocks in tests, replays).
   */
  clock?: 'database' | 'caller';
}

/**
 * The JobStore on PostgreSQL: SqlStore over a SqlClient (every method one call of a jobgate
 * SQL function, so one transaction each, the slot decision under a transaction-scoped
 * advisory lock that counts running jobs), with change notices from LISTEN where the client
 * can, else polling (PostgresChangeFeed). Works on PostgreSQL servers (postgres.js, pg,
 * through a transaction pooler too) and on PGlite.
 */
export class PostgresStore extends SqlStore {
  readonly schema: string;
  readonly #client: SqlClient;

  constructor(client: SqlClient, options: PostgresStoreOptions = {}) {
    const schema = checkSchema(options.schema ?? 'public');
    const closeClient = options.closeClient ?? true;
    const listener = options.listenClient ?? client;
    const listening = options.listen !== false && listener.capabilities.listen ? listener : null;
    const shared = options.shared ?? true;
    super({
      transport: sqlClientTransport(client, schema),
      // Store calls made after `subscribe` returns wait until LISTEN is in place (the
      // feed's `ready`), so their changes are seen.
      feed: new PostgresChangeFeed({
        client,
        listener: listening,
        schema,
        pollIntervalMs: options.pollIntervalMs ?? 1_000,
      }),
      capabilities: {
        durable: options.durable ?? true,
        shared,
        // Polling sees other processes' changes too (from their updated_at).
        crossProcessEvents: shared,
      },
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      onClose: async () => {
        if (!closeClient) return;
        await client.close();
        if (listening && listening !== client) await listening.close();
      },
    });
    this.schema = schema;
    this.#client = client;
  }

  /** The SQL client, for callers that need raw access (tests, maintenance). */
  get client(): SqlClient {
    return this.#client;
  }
}
