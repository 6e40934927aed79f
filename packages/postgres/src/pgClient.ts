import type { Pool, PoolClient, QueryResultRow } from 'pg';
import type { SqlClient, SqlExecutor } from './sqlClient.js';

type Queryable = Pick<Pool, 'query'> | Pick<PoolClient, 'query'>;

function executor(db: Queryable): SqlExecutor {
  return {
    async query<T extends object>(text: string, params: readonly unknown[] = []) {
      const result = await db.query<QueryResultRow>(text, [...params]);
      return result.rows as T[];
    },
    async exec(script: string) {
      // Without parameters pg uses the simple protocol: several statements at once.
      await db.query(script);
    },
  };
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/**
 * The node-postgres driver: `pgClient(new pg.Pool({ connectionString }))`. LISTEN holds one
 * pool connection while a subscription is open. `close()` ends the pool.
 */
export function pgClient(pool: Pool): SqlClient {
  return {
    ...executor(pool),
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(executor(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    async listen(channel, onPayload) {
      const client = await pool.connect();
      const onNotification = (message: { channel: string; payload?: string }) => {
        if (message.channel === channel && message.payload !== undefined)
          onPayload(message.payload);
      };
      client.on('notification', onNotification);
      try {
        await client.query(`LISTEN ${quoteIdent(channel)}`);
      } catch (error) {
        client.off('notification', onNotification);
        client.release();
        throw error;
      }
      return async () => {
        client.off('notification', onNotification);
        try {
          await client.query(`UNLISTEN ${quoteIdent(channel)}`);
          client.release();
        } catch (error) {
          client.release(error instanceof Error ? error : true);
        }
      };
    },
    async close() {
      await pool.end();
    },
  };
}
