import { migrate, PostgresStore, postgresJsClient, type SqlClient } from '@jobgate/postgres';
import postgres from 'postgres';
import { benchNow } from '../benchClock.js';
import type { RunSpec, SqlCounts } from '../benchSystem.js';

/** The store a jobgate worker process runs on, with its statement counter. */
export interface JobgateStore {
  store: PostgresStore;
  counts: SqlCounts;
  resetCounts(): void;
}

const FUNCTION = /jobgate_([a-z_]+)\s*\(/;

/** Wraps a client to count each statement by the jobgate function it calls (round trips). */
function countingClient(client: SqlClient, counts: () => SqlCounts): SqlClient {
  return {
    ...client,
    async query<T extends object>(text: string, params?: readonly unknown[]): Promise<T[]> {
      const name = FUNCTION.exec(text)?.[1] ?? 'other';
      const t0 = benchNow();
      try {
        return await client.query<T>(text, params);
      } finally {
        const c = counts();
        c.calls[name] = (c.calls[name] ?? 0) + 1;
        c.ms[name] = (c.ms[name] ?? 0) + (benchNow() - t0);
      }
    },
  };
}

const connect = (spec: RunSpec) =>
  postgres(spec.databaseUrl, { max: 10, prepare: false, onnotice: () => undefined });

/** Creates the run's schema with jobgate's migrations (once, in the parent). */
export async function migrateJobgate(spec: RunSpec): Promise<void> {
  const client = postgresJsClient(connect(spec));
  try {
    await migrate(client, { schema: spec.schema });
  } finally {
    await client.close();
  }
}

/** A PostgresStore over postgres.js (the server default, as `createPostgresStore` builds it). */
export async function openJobgateStore(spec: RunSpec): Promise<JobgateStore> {
  let counts: SqlCounts = { calls: {}, ms: {} };
  const client = countingClient(postgresJsClient(connect(spec)), () => counts);
  const store = new PostgresStore(client, { schema: spec.schema });
  return {
    store,
    get counts() {
      return counts;
    },
    resetCounts() {
      counts = { calls: {}, ms: {} };
    },
  };
}

export async function closeJobgateStore(store: JobgateStore): Promise<void> {
  await store.store.close();
}
