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
    capabilities: { listen: true },
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
      // One pool connection held for LISTEN. If it breaks (server restart, network), it is
      // released and LISTEN is set up again on a new connection, once a second.
      let client: PoolClient | null = null;
      let stopped = false;
      const onNotification = (message: { channel: string; payload?: string }) => {
        if (message.channel === channel && message.payload !== undefined)
          onPayload(message.payload);
      };
      const detach = (c: PoolClient) => {
        c.off('notification', onNotification);
        c.off('error', onError);
      };
      const connect = async (): Promise<void> => {
        const c = await pool.connect();
        c.on('notification', onNotification);
        c.on('error', onError);
        try {
          await c.query(`LISTEN ${quoteIdent(channel)}`);
        } catch (error) {
          detach(c);
          c.release(true);
          throw error;
        }
        client = c;
      };
      function onError(): void {
        const broken = client;
        client = null;
        if (broken) {
          detach(broken);
          broken.release(true);
        }
        if (stopped) return;
        const retry = setTimeout(() => {
          if (!stopped) connect().catch(onError);
        }, 1_000);
        retry.unref?.();
      }
      await connect();
      return async () => {
        stopped = true;
        const c = client;
        client = null;
        if (!c) return;
        detach(c);
        try {
          await c.query(`UNLISTEN ${quoteIdent(channel)}`);
          c.release();
        } catch (error) {
          c.release(error instanceof Error ? error : true);
        }
      };
    },
    async close() {
      await pool.end();
    },
  };
}
