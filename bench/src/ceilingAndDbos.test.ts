import { describeWith } from '@jobgate/testkit';
import { expect, it } from 'vitest';
import { analyzeRun } from './analyzeRun.js';
import type { RunSpec } from './benchSystem.js';
import { runSystem } from './runSystem.js';
import { dropSchema, withSql } from './sqlAdmin.js';
import { CEILING_SQL } from './systems/ceilingSystem.js';
import { dbosSystem } from './systems/dbosSystem.js';

const url = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const schemaName = (what: string) =>
  `bench_test_${what}_${Date.now().toString(36)}${Math.floor(Math.random() * 1e6)}`;

describeWith('postgres', 'bench ceiling and DBOS', () => {
  it('the ceiling hands a slot over in one call and never runs more than the cap', async () => {
    const schema = schemaName('ceiling');
    try {
      await withSql(url, async (sql) => {
        await sql.unsafe(CEILING_SQL(schema, 2));
        await sql.unsafe(
          `insert into ${schema}.jobs (status) select 'queued' from generate_series(1, 3)`,
        );
        const handoff = async (done: string | null) =>
          (await sql.unsafe(`select ${schema}.handoff($1) as id`, [done]))[0]!['id'] as
            | string
            | null;
        const running = async () =>
          Number((await sql.unsafe(`select running from ${schema}.pool`))[0]!['running']);
        // Two free slots take the two oldest; the cap refuses a third.
        expect([await handoff(null), await handoff(null), await handoff(null)]).toEqual([
          '1',
          '2',
          null,
        ]);
        expect(await running()).toBe(2);
        // Ending job 1 claims the queue head (3); then the queue is empty and a slot frees.
        expect(await handoff('1')).toBe('3');
        expect(await handoff('2')).toBeNull();
        expect(await running()).toBe(1);
        // A submit starts at once while a slot is free, then queues.
        expect((await sql.unsafe(`select ${schema}.submit() as id`))[0]!['id']).not.toBeNull();
        expect((await sql.unsafe(`select ${schema}.submit() as id`))[0]!['id']).toBeNull();
        const statuses = await sql.unsafe(
          `select status, count(*)::int as n from ${schema}.jobs group by status order by status`,
        );
        expect(statuses.map((r) => [r['status'], r['n']])).toEqual([
          ['done', 2],
          ['queued', 1],
          ['running', 2],
        ]);
      });
    } finally {
      await dropSchema(url, schema);
    }
  });

  it('DBOS runs every job of a round in a worker process, at most cap at once', async () => {
    const spec: RunSpec = {
      runId: 'test',
      databaseUrl: url,
      redisUrl: 'redis://127.0.0.1:6379',
      schema: schemaName('dbos'),
      redisPrefix: 'unused',
      queue: 'bench',
      cap: 3,
      bodyMs: 5,
      processCount: 1,
    };
    const round = await runSystem(dbosSystem, spec, [12]);
    expect(round.intervals).toHaveLength(12);
    const analysis = analyzeRun(round.intervals, spec.cap);
    expect(analysis.maxOverlap).toBeGreaterThan(0);
    expect(analysis.maxOverlap).toBeLessThanOrEqual(3);
  }, 60_000);
});
