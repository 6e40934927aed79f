import type { PGliteInterface, Transaction } from '@electric-sql/pglite';
import type { SqlClient, SqlExecutor } from './sqlClient.js';

function executor(db: PGliteInterface | Transaction): SqlExecutor {
  return {
    async query<T extends object>(text: string, params: readonly unknown[] = []) {
      const result = await db.query<T>(text, [...params]);
      return result.rows;
    },
    async exec(script: string) {
      await db.exec(script);
    },
  };
}

/**
 * The PGlite driver (embedded Postgres in WebAssembly, the embedded default):
 * `pgliteClient(await PGlite.create())` in memory, or `PGlite.create('./data')` on disk.
 * `close()` closes the database.
 */
export function pgliteClient(db: PGliteInterface): SqlClient {
  return {
    capabilities: { listen: true },
    ...executor(db),
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      return db.transaction((tx) => fn(executor(tx)));
    },
    async listen(channel, onPayload) {
      const stop = await db.listen(channel, onPayload);
      return async () => {
        await stop();
      };
    },
    async close() {
      await db.close();
    },
  };
}
