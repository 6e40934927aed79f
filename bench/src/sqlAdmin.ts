import postgres from 'postgres';

/** Runs a few administrative statements on a short-lived connection. */
export async function withSql<T>(url: string, use: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await use(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  await withSql(url, (sql) => sql`drop schema if exists ${sql(schema)} cascade`);
}
