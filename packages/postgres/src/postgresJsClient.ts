import type { Sql, TransactionSql } from 'postgres';
import type { SqlClient, SqlExecutor } from './sqlClient.js';

type Unsafe = Pick<Sql, 'unsafe'> | Pick<TransactionSql, 'unsafe'>;

function executor(sql: Unsafe): SqlExecutor {
  return {
    async query<T extends object>(text: string, params: readonly unknown[] = []) {
      // unsafe(): no prepared statement (prepare: false is its default), pooler-safe.
      const rows = await sql.unsafe(text, params as never[], { prepare: false });
      return [...rows] as unknown as T[];
    },
    async exec(script: string) {
      // Without parameters postgres.js uses the simple protocol: several statements at once.
      await sql.unsafe(script);
    },
  };
}

/**
 * The postgres.js driver (the default for servers):
 * `postgresJsClient(postgres(url, { prepare: false, fetch_types: false }))`. `close()` ends the
 * given `sql` instance. Pass `fetch_types: false`: jobgate uses no SQL arrays, and postgres.js
 * drops the promise of its array-type lookup at connect, so a connection cut during it is an
 * unhandled rejection that ends a Node process.
 */
export function postgresJsClient(sql: Sql): SqlClient {
  return {
    capabilities: { listen: true },
    ...executor(sql),
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      return (await sql.begin((tx) => fn(executor(tx)))) as T;
    },
    async listen(channel, onPayload) {
      const { unlisten } = await sql.listen(channel, onPayload);
      return unlisten;
    },
    async close() {
      await sql.end({ timeout: 5 });
    },
  };
}
