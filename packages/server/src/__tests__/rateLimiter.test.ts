import { describeWith } from '@jobgate/testkit';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryRateLimiter } from '../rateLimiter.js';
import { SqlRateLimiter } from '../sqlRateLimiter.js';

const RULE = { limit: 5, windowMs: 60_000 };
const T0 = Date.UTC(2026, 1, 1, 12); // a window boundary

describe('MemoryRateLimiter', () => {
  it('fixed window: 5 per minute, the 6th refused with the time to the next window', async () => {
    const limiter = new MemoryRateLimiter();
    const decisions = [];
    for (let i = 0; i < 7; i++) decisions.push(await limiter.hit('submit:u', RULE, T0 + 10_000));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, true, true, false, false]);
    expect(decisions[5]?.retryAfterMs).toBe(50_000);
    expect((await limiter.hit('submit:other', RULE, T0 + 10_000)).allowed).toBe(true);
    expect((await limiter.hit('submit:u', RULE, T0 + 60_000)).allowed).toBe(true);
  });

  it('sliding window: the previous window still weighs in', async () => {
    const limiter = new MemoryRateLimiter({ algorithm: 'sliding' });
    for (let i = 0; i < 5; i++) await limiter.hit('k', RULE, T0 + 50_000);
    // 6 s into the next window, 90 % of the previous 5 hits still count: 4.5 + 1 > 5.
    const early = await limiter.hit('k', RULE, T0 + 66_000);
    expect(early.allowed).toBe(false);
    expect(early.retryAfterMs).toBeGreaterThan(0);
    // Late in the window the previous one has faded.
    expect((await limiter.hit('k', RULE, T0 + 115_000)).allowed).toBe(true);
  });
});

const DATABASE_URL = process.env.DATABASE_URL;
describeWith('postgres', 'SqlRateLimiter on PostgreSQL', () => {
  let sql: postgres.Sql;
  const schema = `jobgate_rl_${process.pid}_${Math.random().toString(36).slice(2, 7)}`;
  const make = (algorithm: 'fixed' | 'sliding' = 'fixed') =>
    new SqlRateLimiter({
      query: (text, params) => sql.unsafe(text, params as never[]),
      table: `${schema}.jobgate_rate_limits`,
      algorithm,
    });

  beforeAll(async () => {
    sql = postgres(DATABASE_URL!, { max: 10, onnotice: () => undefined });
    await sql.unsafe(`create schema ${schema}`);
    await make().migrate();
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
    expect(await limiter.prune(T0 + 10 * 60_000)).toBeGreaterThan(0);
  });

  it('refuses a table name that is not an identifier', () => {
    expect(() => new SqlRateLimiter({ query: async () => [], table: 'x; drop table y' })).toThrow(
      /invalid table name/,
    );
  });
});
