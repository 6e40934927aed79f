import { PGlite } from '@electric-sql/pglite';
import { JobRunner } from '@jobgate/core';
import { FakeClock, MemoryFileStorage, SimulatedProvider } from '@jobgate/core/testing';
import { tools, uploadSampleInput } from '@jobgate/example-tools';
import {
  billingJob,
  describeBillingConformance,
  describeCreditSettlement,
  describeWith,
  type StoreHarness,
  testJobId,
  testUserId,
} from '@jobgate/testkit';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { migrate } from '../migrate.js';
import { pgliteClient } from '../pgliteClient.js';
import { PostgresBilling } from '../postgresBilling.js';
import { postgresJsClient } from '../postgresJsClient.js';
import type { PostgresStore } from '../postgresStore.js';
import type { SqlClient } from '../sqlClient.js';
import { sqlErrorToJobGateError } from '../sqlError.js';
import { creditsDocSql } from './docBlocks.js';
import { DATABASE_URL, freshSchema, pgliteHarness, serverHarness } from './pgHarness.js';

/** The ledger in the same database (and schema) as the store's jobs. */
const ledgerOf = async (h: StoreHarness) => {
  const store = h.store as PostgresStore;
  return new PostgresBilling(store.client, { schema: store.schema });
};

describeCreditSettlement('PostgresStore + PostgresBilling on PGlite', pgliteHarness, ledgerOf);

/** Each statement tries to rewrite the ledger; the first refusal is the answer. */
const tamper = (client: SqlClient, schema: string) => async () => {
  for (const sql of [
    `UPDATE "${schema}".jobgate_credit_ledger SET amount = amount * 2`,
    `DELETE FROM "${schema}".jobgate_credit_ledger`,
    `TRUNCATE "${schema}".jobgate_credit_ledger`,
  ]) {
    try {
      await client.query(sql);
    } catch (error) {
      const e = sqlErrorToJobGateError(error);
      if (e.code !== 'FORBIDDEN') throw e;
      continue;
    }
    throw new Error(`the ledger accepted: ${sql}`);
  }
  throw sqlErrorToJobGateError({ message: 'JOBGATE:FORBIDDEN:every rewrite was refused' });
};

describeBillingConformance(
  'PostgresBilling on PGlite',
  async () => {
    const db = await PGlite.create();
    const client = pgliteClient(db);
    const schema = freshSchema('bill');
    await migrate(client, { schema });
    return {
      ledger: async (buckets) => new PostgresBilling(client, { schema, buckets }),
      tamper: tamper(client, schema),
      close: () => db.close(),
    };
  },
  { tamper: true },
);

describeWith('postgres', 'on the PostgreSQL server', () => {
  // 1,000 jobs run on PGlite and in memory; over the network 400 prove the same in a third
  // of the time (JOBGATE_SETTLEMENT_JOBS=1000 for the full run).
  describeCreditSettlement(
    'PostgresStore + PostgresBilling on PostgreSQL (postgres.js)',
    serverHarness,
    ledgerOf,
    { jobs: Number(process.env.JOBGATE_SETTLEMENT_JOBS ?? 400) },
  );
  describeBillingConformance(
    'PostgresBilling on PostgreSQL (postgres.js)',
    async () => {
      const sql = postgres(DATABASE_URL!, { max: 8, prepare: false, onnotice: () => undefined });
      const client = postgresJsClient(sql);
      const schema = freshSchema('bill');
      await migrate(client, { schema });
      return {
        ledger: async (buckets) => new PostgresBilling(client, { schema, buckets }),
        tamper: tamper(client, schema),
        close: async () => {
          await client.query(`DROP SCHEMA "${schema}" CASCADE`);
          await sql.end({ timeout: 5 });
        },
      };
    },
    { tamper: true },
  );
});

describe('the margin query of docs/credits.md', () => {
  it('shows per tool the credits kept beside the provider cost', async () => {
    const db = await PGlite.create();
    const client = pgliteClient(db);
    const schema = freshSchema('margin');
    try {
      await migrate(client, { schema });
      const billing = new PostgresBilling(client, { schema });
      const u = testUserId();
      await billing.grant(u, 'lifetime', 500);
      const kept = billingJob(u, 60, 'veste-ai');
      const refunded = billingJob(u, 60, 'veste-ai');
      const video = billingJob(u, 150, 'video-upscaler');
      for (const job of [kept, refunded, video]) await billing.charge(job);
      await billing.refund(refunded);
      await billing.recordCost(kept, { cost: 41, unit: 'seconds' });
      await billing.recordCost(video, { cost: 300, unit: 'seconds' });
      const [, margin] = creditsDocSql();
      const rows = await client.transaction(async (tx) => {
        await tx.exec(`SET LOCAL search_path TO "${schema}"`);
        return tx.query<Record<string, unknown>>(margin!);
      });
      expect(
        rows.map((r) => ({
          ...r,
          jobs: Number(r.jobs),
          credits: Number(r.credits),
          provider_cost: Number(r.provider_cost),
        })),
      ).toEqual([
        { tool: 'veste-ai', jobs: 2, credits: 60, provider_cost: 41, unit: 'seconds' },
        { tool: 'video-upscaler', jobs: 1, credits: 150, provider_cost: 300, unit: 'seconds' },
      ]);
    } finally {
      await db.close();
    }
  });
});

describe('the refund policy on PostgreSQL', () => {
  it("keeps a running cancel's charge as credit state 'kept', which heal leaves alone", async () => {
    const h = await pgliteHarness();
    try {
      const clock = new FakeClock();
      const store = h.store as PostgresStore;
      const ledger = new PostgresBilling(store.client, { schema: store.schema });
      const veste = tools.find((t) => t.id === 'veste-ai')!;
      const storage = new MemoryFileStorage();
      const runner = new JobRunner({
        store,
        provider: new SimulatedProvider({ clock, startLatencyMs: [0, 0], durationMs: [9e6, 9e6] }),
        tools: [{ ...veste, refundCancelWhileRunning: false }],
        storage,
        clock,
        billing: ledger,
        random: () => 0.5,
      });
      const u = testUserId();
      await ledger.grant(u, 'monthly', 100);
      const jobId = testJobId();
      const job = await runner.submit({
        jobId,
        tool: 'veste-ai',
        userId: u,
        input: uploadSampleInput(storage, 'veste-ai', { userId: u, jobId }),
      });
      await runner.cancel({ jobId: job.id, userId: u, confirm: true });
      expect((await store.get(job.id))?.creditState).toBe('kept');
      await clock.advance(120_000);
      expect((await runner.heal()).refunded).toBe(0);
      expect((await ledger.balance(u)).total).toBe(40);
      await expect(store.setCreditState(job.id, 'kept', 'bogus' as never, 0)).rejects.toMatchObject(
        { code: 'VALIDATION' },
      );
      runner.close();
    } finally {
      await h.close();
    }
  });
});
