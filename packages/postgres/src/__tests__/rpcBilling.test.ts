import { PGlite } from '@electric-sql/pglite';
import { JobGateError, JobRunner, MemoryStore, rpcBilling } from '@jobgate/core';
import { FakeClock, MemoryFileStorage, SimulatedProvider } from '@jobgate/core/testing';
import { sampleInput, tools, uploadSampleInput } from '@jobgate/example-tools';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgliteClient } from '../pgliteClient.js';
import { creditsDocSql } from './docBlocks.js';

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** An app that keeps its own credit tables: the SQL of docs/credits.md, as written there. */
describe("rpcBilling over an app's own credit functions (docs/credits.md)", () => {
  let db: PGlite;
  const client = () => pgliteClient(db);
  const credits = async (user: string) =>
    Number(
      (
        await client().query<{ credits: string }>(
          'SELECT credits FROM app_credits WHERE user_id = $1',
          [user],
        )
      )[0]!.credits,
    );
  const events = async (jobId: string) =>
    (
      await client().query<{ kind: string }>(
        'SELECT kind FROM app_credit_events WHERE job_id = $1 ORDER BY kind',
        [jobId],
      )
    ).map((r) => r.kind);

  beforeAll(async () => {
    db = await PGlite.create();
    const [schema] = creditsDocSql();
    await db.exec(schema!);
    await db.exec(`INSERT INTO app_credits VALUES ('u', 100), ('poor', 10)`);
  });
  afterAll(async () => {
    await db.close();
  });

  // One app: the jobs in one store across the tests, like the credits in the database.
  const clock = new FakeClock();
  const store = new MemoryStore();
  // …and its uploads: each job's input files, at the job's own paths.
  const storage = new MemoryFileStorage();
  const input = (user: string, jobId: string) =>
    uploadSampleInput(storage, 'veste-ai', { userId: user, jobId });
  function setup() {
    // The call a supabase-js client would make, on the same SQL: `select fn(named args)`.
    const billing = rpcBilling({
      call: async (fn, args) => {
        const names = Object.keys(args);
        const rows = await client().query<{ r: unknown }>(
          `SELECT ${fn}(${names.map((n, i) => `${n} => $${i + 1}`).join(', ')}) AS r`,
          names.map((n) => args[n]),
        );
        return rows[0]?.r;
      },
      charge: 'consume_credits_for_job',
      refund: 'refund_credits_for_job',
    });
    const provider = new SimulatedProvider({
      clock,
      seed: 3,
      startLatencyMs: [0, 0],
      durationMs: [60_000, 60_000],
    });
    const runner = new JobRunner({
      store,
      provider,
      tools,
      storage,
      clock,
      billing,
      random: () => 0.5,
    });
    return { runner, store, billing };
  }

  it('charges once per job id, however often the submit is retried', async () => {
    const { runner, billing } = setup();
    const job = await runner.submit({
      jobId: uuid(1),
      tool: 'veste-ai',
      userId: 'u',
      input: input('u', uuid(1)),
    });
    await runner.submit({ jobId: uuid(1), tool: 'veste-ai', userId: 'u', input: job.input });
    await billing.charge(job); // a direct retry too
    expect(await credits('u')).toBe(40);
    expect(await events(uuid(1))).toEqual(['charge']);
    expect((await store.get(uuid(1)))?.creditState).toBe('charged');
  });

  it('refunds a failed job exactly once, even when called again', async () => {
    const { runner, billing } = setup();
    await runner.cancel({ jobId: uuid(1), userId: 'u', confirm: true });
    const job = (await store.get(uuid(1)))!;
    expect(job.creditState).toBe('refunded');
    await billing.refund(job);
    await billing.refund(job);
    expect(await credits('u')).toBe(100);
    expect(await events(uuid(1))).toEqual(['charge', 'refund']);
  });

  it('maps "insufficient credits" to INSUFFICIENT_CREDITS before the job takes a slot', async () => {
    const { runner } = setup();
    const error = await runner
      .submit({ jobId: uuid(2), tool: 'veste-ai', userId: 'poor', input: input('poor', uuid(2)) })
      .catch((e) => e);
    expect(error).toBeInstanceOf(JobGateError);
    expect(error.code).toBe('INSUFFICIENT_CREDITS');
    expect(await store.get(uuid(2))).toMatchObject({ status: 'failed', creditState: 'none' });
    expect(await credits('poor')).toBe(10);
    expect(await events(uuid(2))).toEqual([]);
  });

  it('refunds nothing for a job that was never charged', async () => {
    const { billing } = setup();
    await billing.refund({
      ...(
        await store.create(
          {
            id: uuid(3),
            tool: 'veste-ai',
            userId: 'u',
            pool: 'default',
            input: sampleInput('veste-ai', { userId: 'u', jobId: uuid(3) }),
            userCreditCost: 60,
          },
          { maxActivePerUser: 1, now: 0 },
        )
      ).job,
    });
    // Nothing given back; what is left is the marker docs/credits.md keeps since #21 (a refund
    // of amount 0), so a charge still on its way for this job is refused.
    const rows = await client().query<{ kind: string; amount: string }>(
      'SELECT kind, amount FROM app_credit_events WHERE job_id = $1',
      [uuid(3)],
    );
    expect(rows.map((r) => [r.kind, Number(r.amount)])).toEqual([['refund', 0]]);
    expect(await credits('u')).toBe(100);
  });

  it('passes other failures on with their cause, not as INSUFFICIENT_CREDITS', async () => {
    const broken = rpcBilling({
      call: async () => {
        throw new Error('relation "app_credits" does not exist');
      },
      charge: { name: 'x', args: (job) => ({ ref: job.id }) },
      refund: 'y',
    });
    const { job } = await store.create(
      {
        id: uuid(4),
        tool: 'veste-ai',
        userId: 'u',
        pool: 'default',
        input: sampleInput('veste-ai', { userId: 'u', jobId: uuid(4) }),
        userCreditCost: 60,
      },
      { maxActivePerUser: 5, now: 0 },
    );
    await expect(broken.charge(job)).rejects.toMatchObject({ code: 'INTERNAL', jobId: uuid(4) });
  });
});
