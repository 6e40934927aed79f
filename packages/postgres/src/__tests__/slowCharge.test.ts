import { type Billing, defineTool, JobRunner } from '@jobgate/core';
import { systemClock } from '@jobgate/core/adapter';
import { SimulatedProvider } from '@jobgate/core/testing';
import { describeWith, testJobId, testUserId } from '@jobgate/testkit';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { migrate } from '../migrate.js';
import { PostgresBilling } from '../postgresBilling.js';
import { postgresJsClient } from '../postgresJsClient.js';
import { PostgresStore } from '../postgresStore.js';
import { DATABASE_URL, freshSchema } from './pgHarness.js';

// A credits race, so a tool without files: what is under test is the ledger, not uploads.
const tool = defineTool({
  id: 'img',
  input: z.object({ prompt: z.string() }),
  creditCost: 60,
  maxRunMs: 60_000,
});

describeWith('postgres', 'a slow charge on PostgreSQL, two instances', () => {
  const schema = freshSchema('slowcharge');
  const connect = () =>
    postgres(DATABASE_URL ?? 'postgres://unused', {
      max: 4,
      prepare: false,
      onnotice: () => undefined,
    });
  const sqlA = connect();
  const sqlB = connect();
  const clientA = postgresJsClient(sqlA);
  const clientB = postgresJsClient(sqlB);

  beforeAll(async () => {
    await migrate(clientA, { schema });
  });
  afterAll(async () => {
    await sqlA.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await Promise.all([sqlA.end({ timeout: 5 }), sqlB.end({ timeout: 5 })]);
  });

  it('a charge that lands after another instance healed and refunded the job takes nothing', async () => {
    const ledgerA = new PostgresBilling(clientA, { schema });
    const ledgerB = new PostgresBilling(clientB, { schema });
    const user = testUserId('slow');
    await ledgerB.grant(user, 'lifetime', 100);
    // Instance A's charge is held back on its way to the database (a slow network, a frozen
    // process) until the test lets it go.
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let late: Promise<unknown> = Promise.resolve();
    const slowBilling: Billing = {
      charge: (job) => {
        late = held.then(() => ledgerA.charge(job));
        return late as Promise<void>;
      },
      refund: (job) => ledgerA.refund(job),
    };
    const provider = new SimulatedProvider({
      startLatencyMs: [0, 0],
      durationMs: [60_000, 60_000],
    });
    const runnerA = new JobRunner({
      store: new PostgresStore(clientA, { schema }),
      provider,
      tools: [tool],
      billing: slowBilling,
      clock: systemClock,
      // A itself waits long for its charge: B's heal comes first, the case of the race.
      timeouts: { staleStartMs: 60_000, billingCallMs: 30_000 },
    });
    const runnerB = new JobRunner({
      store: new PostgresStore(clientB, { schema }),
      provider,
      tools: [tool],
      billing: ledgerB,
      clock: systemClock,
      timeouts: { staleStartMs: 300 },
    });
    const jobId = testJobId();
    const submitted = runnerA
      .submit({ jobId, tool: 'img', userId: user, input: { prompt: 'a cat' } })
      .catch((e: unknown) => e);
    // B heals the job once it is older than its start window, and refunds it: no charge is
    // on record yet, so the refund leaves a marker.
    let healed = 0;
    for (let i = 0; i < 50 && healed === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      healed = (await runnerB.heal()).healed.length;
    }
    expect(healed).toBe(1);
    const job = await runnerB.store.get(jobId);
    expect(job).toMatchObject({
      status: 'cancelled',
      errorCode: 'STALE_START',
      creditState: 'refunded',
    });
    // Now the held charge reaches the database: refused.
    release();
    await expect(late).rejects.toMatchObject({ code: 'CONFLICT' });
    await submitted;
    const entries = await ledgerB.entries({ jobId });
    expect(entries.map((e) => [e.kind, e.amount])).toEqual([['refund', 0]]);
    expect((await ledgerB.balance(user)).total).toBe(100);
    // Later heals owe nothing and change nothing.
    expect((await runnerB.heal()).refunded).toBe(0);
    expect((await ledgerB.balance(user)).total).toBe(100);
    runnerA.close();
    runnerB.close();
  }, 30_000);

  it('a charge the runner gave up (its deadline) and that commits later is refunded or refused, never kept', async () => {
    const ledger = new PostgresBilling(clientA, { schema });
    const user = testUserId('deadline');
    await ledger.grant(user, 'lifetime', 100);
    let late: Promise<unknown> = Promise.resolve();
    const slow: Billing = {
      charge: (job) => {
        late = new Promise((r) => setTimeout(r, 400)).then(() => ledger.charge(job));
        return late as Promise<void>;
      },
      refund: (job) => ledger.refund(job),
    };
    const runner = new JobRunner({
      store: new PostgresStore(clientA, { schema }),
      provider: new SimulatedProvider({ startLatencyMs: [0, 0], durationMs: [60_000, 60_000] }),
      tools: [tool],
      billing: slow,
      clock: systemClock,
      timeouts: { billingCallMs: 100 },
    });
    const jobId = testJobId();
    const error = await runner
      .submit({ jobId, tool: 'img', userId: user, input: { prompt: 'a cat' } })
      .catch((e: unknown) => e);
    // The user is told at once, and the job is ended and refunded (a marker: no charge yet).
    expect(error).toMatchObject({ code: 'INTERNAL', jobId });
    expect(await runner.store.get(jobId)).toMatchObject({
      status: 'failed',
      creditState: 'refunded',
    });
    await expect(late).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await ledger.balance(user)).total).toBe(100);
    expect((await ledger.entries({ jobId })).filter((e) => e.kind === 'charge')).toEqual([]);
    runner.close();
  }, 30_000);
});
