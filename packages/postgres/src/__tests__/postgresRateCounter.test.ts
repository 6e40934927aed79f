import { counterRateLimiter } from '@jobgate/server';
import { describeWith } from '@jobgate/testkit';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { migrate } from '../migrate.js';
import { postgresJsClient } from '../postgresJsClient.js';
import { postgresRateCounter } from '../postgresRateCounter.js';
import type { SqlClient } from '../sqlClient.js';
import { freshSchema } from './pgHarness.js';

const RULE = { limit: 5, windowMs: 60_000 };
const T0 = Date.UTC(2026, 1, 1, 12); // a window boundary

const DATABASE_URL = process.env.DATABASE_URL;
describeWith('postgres', 'postgresRateCounter on PostgreSQL', () => {
  let sql: postgres.Sql;
  let client: SqlClient;
  const schema = freshSchema('rl');
  const counter = () => postgresRateCounter(client, { schema });
  const make = (algorithm: 'fixed' | 'sliding' = 'fixed') =>
    counterRateLimiter(counter(), { algorithm });

  beforeAll(async () => {
    sql = postgres(DATABASE_URL!, { max: 10, onnotice: () => undefined });
    client = postgresJsClient(sql);
    await migrate(client, { schema });
  });
  afterAll(async () => {
    await sql.unsafe(`drop schema if exists ${schema} cascade`);
    await sql.end();
  });

  it('counts in one statement: 30 concurrent hits, exactly 5 allowed', async () => {
    const limiter = make();
    const decisions = await Promise.all(
      Array.from({ length: 30 }, () => limiter.hit('submit:concurrent', RULE, T0 + 1_000)),
    );
    expect(decisions.filter((d) => d.allowed)).toHaveLength(5);
    const [row] = await sql.unsafe(
      `select hits from ${schema}.jobgate_rate_limits where key = 'submit:concurrent'`,
    );
    expect(row?.hits).toBe(30);
  });

  it('rolls the window over and keeps keys apart', async () => {
    const limiter = make();
    for (let i = 0; i < 5; i++) await limiter.hit('submit:a', RULE, T0 + 5_000);
    expect((await limiter.hit('submit:a', RULE, T0 + 6_000)).allowed).toBe(false);
    expect((await limiter.hit('submit:b', RULE, T0 + 6_000)).allowed).toBe(true);
    const next = await limiter.hit('submit:a', RULE, T0 + 60_000);
    expect(next).toMatchObject({ allowed: true, remaining: 4 });
  });

  it('sliding window on SQL: the previous window is carried over', async () => {
    const limiter = make('sliding');
    for (let i = 0; i < 5; i++) await limiter.hit('s', RULE, T0 + 50_000);
    expect((await limiter.hit('s', RULE, T0 + 66_000)).allowed).toBe(false);
    expect((await limiter.hit('s', RULE, T0 + 119_000)).allowed).toBe(true);
    expect(await counter().prune(T0 + 10 * 60_000)).toBeGreaterThan(0);
  });

  it('refuses a schema name that is not an identifier', () => {
    expect(() => postgresRateCounter(client, { schema: 'x; drop table y' })).toThrow(/schema/);
  });
});
