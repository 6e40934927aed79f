import pg from 'pg';
import { benchNow, jobBody } from '../benchClock.js';
import type { BenchSystem, RunSpec, SystemWorker, WorkerContext } from '../benchSystem.js';
import { packageVersion } from '../packageVersion.js';
import { dropSchema, withSql } from '../sqlAdmin.js';
import { inParallel, SUBMITTERS } from './inParallel.js';

export const CEILING_ID = 'ceiling';

/**
 * The database's own limit for this work, in the run's bench-only schema: one pool row (its
 * running count and cap) and one table of jobs. `handoff(done)` is the minimal hand-off in one
 * call and one transaction: lock the pool, end the running job `done`, claim the queue head if a
 * slot is free, commit (synchronous commit, the server's default). `submit()` is the same for a
 * new job: lock the pool, insert it, run it at once if a slot is free. No idempotency, no users,
 * no history: what is left is the lock, two row writes and the commit.
 */
export const CEILING_SQL = (schema: string, cap: number): string => `
create schema ${schema};
create table ${schema}.pool (id int primary key, running int not null, cap int not null);
insert into ${schema}.pool values (1, 0, ${cap});
create table ${schema}.jobs (id bigserial primary key, status text not null);
create index on ${schema}.jobs (id) where status = 'queued';
create function ${schema}.handoff(p_done bigint) returns bigint language plpgsql as $$
declare
  v_free int;
  v_next bigint;
begin
  select cap - running + (p_done is not null)::int into v_free
    from ${schema}.pool where id = 1 for update;
  if p_done is not null then
    update ${schema}.jobs set status = 'done' where id = p_done and status = 'running';
  end if;
  if v_free > 0 then
    update ${schema}.jobs set status = 'running'
      where id = (select id from ${schema}.jobs where status = 'queued' order by id limit 1)
      returning id into v_next;
  end if;
  -- A hand-off that ends one job and starts the next leaves the running count as it was.
  if (p_done is not null) <> (v_next is not null) then
    update ${schema}.pool set running = running - (p_done is not null)::int + (v_next is not null)::int
      where id = 1;
  end if;
  return v_next;
end $$;
create function ${schema}.submit() returns bigint language plpgsql as $$
declare
  v_free int;
  v_id bigint;
begin
  select cap - running into v_free from ${schema}.pool where id = 1 for update;
  if v_free > 0 then
    insert into ${schema}.jobs (status) values ('running') returning id into v_id;
    update ${schema}.pool set running = running + 1 where id = 1;
    return v_id;
  end if;
  insert into ${schema}.jobs (status) values ('queued');
  return null;
end $$;`;

/**
 * One client (connection) per worker process, as pgbench's `-c N`: `pg` sends one statement at
 * a time per connection. Each process takes free slots at `go` (one call per slot it may hold),
 * and each slot it holds runs the body, then hands off with one call and runs the job it
 * claimed; the cap is the pool row's, global across the processes.
 */
export const ceilingSystem: BenchSystem = {
  id: CEILING_ID,
  label: 'ceiling (one SQL hand-off)',
  versions: () => ({ pg: packageVersion('pg') }),
  globalCap: true,
  heldSlots: 0,
  setup:
    'PL/pgSQL handoff(done) per body end (lock the pool row, end the job, claim the queue head, commit), ' +
    'one pg connection per process; arriving submits: submit() (lock the pool, insert, start if a slot is free)',
  async prepare(spec: RunSpec) {
    await withSql(spec.databaseUrl, (sql) => sql.unsafe(CEILING_SQL(spec.schema, spec.cap)));
  },
  async cleanup(spec: RunSpec) {
    await dropSchema(spec.databaseUrl, spec.schema);
  },
  async createWorker(context: WorkerContext): Promise<SystemWorker> {
    const { spec } = context;
    const client = new pg.Client({ connectionString: spec.databaseUrl });
    await client.connect();
    const pending = new Set<Promise<void>>();
    // One statement at a time on the connection (pg queues them, but deprecates relying on it).
    let queue: Promise<unknown> = Promise.resolve();
    const call = (text: string, params: unknown[]): Promise<string | null> => {
      const result = queue.then(async () => {
        const { rows } = await client.query<{ id: string | null }>(text, params);
        return rows[0]?.id ?? null;
      });
      queue = result.catch(() => {});
      return result;
    };
    const handoff = (done: string | null) =>
      call(`select ${spec.schema}.handoff($1) as id`, [done]);
    /** A slot held by this process: body, hand-off, the claimed job's body, … */
    const slot = (first: string) => {
      const work = (async () => {
        let job: string | null = first;
        while (job !== null) {
          const start = benchNow();
          await jobBody(spec.bodyMs);
          context.record({ start, end: benchNow() });
          job = await handoff(job);
        }
      })();
      pending.add(work);
      void work.finally(() => pending.delete(work));
    };
    return {
      hold: async () => {},
      async fill(count) {
        if (spec.arriving) {
          await inParallel(count, SUBMITTERS, async () => {
            const id = await call(`select ${spec.schema}.submit() as id`, []);
            if (id !== null) slot(id);
          });
          return;
        }
        await call(
          `insert into ${spec.schema}.jobs (status) select 'queued' from generate_series(1, $1::int)`,
          [count],
        );
      },
      async go() {
        // At most the cap's share of this process: the first callers take the free slots.
        const share = Math.ceil(spec.cap / spec.processCount);
        for (let i = 0; i < share; i++) {
          const id = await handoff(null);
          if (id === null) break;
          slot(id);
        }
      },
      async stop() {
        while (pending.size > 0) await Promise.all([...pending]);
      },
      async close() {
        await client.end();
      },
    };
  },
};
