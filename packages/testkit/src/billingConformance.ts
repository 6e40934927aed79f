import { type Job, JobGateError } from '@jobgate/core';
import { type CreditLedger, jobRecord } from '@jobgate/core/adapter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testJobId } from './storeHarness.js';

/** What a ledger's test file hands to the billing suite. */
export interface BillingHarness {
  /** A ledger spending `buckets` in that order (default `['monthly', 'lifetime']`). */
  ledger(buckets?: readonly string[]): Promise<CreditLedger>;
  /** Tries to rewrite history behind the ledger's back (SQL UPDATE/DELETE/TRUNCATE). */
  tamper?(): Promise<unknown>;
  close(): Promise<void>;
}

export type BillingFactory = () => Promise<BillingHarness>;

let users = 0;
const runTag = Math.random().toString(36).slice(2, 8);
/** A user id no other test has touched (ledgers are append-only: no reset between tests). */
export const testUserId = (tag = 'u'): string => `${tag}-${runTag}-${++users}`;

/** A job record as the runner hands it to Billing. */
export function billingJob(userId: string, price: number, tool = 'upscaler'): Job {
  return jobRecord(
    { id: testJobId(), tool, userId, pool: 'default', input: {}, userCreditCost: price },
    Date.UTC(2026, 0, 1),
  );
}

const codeOf = (e: unknown) => (e instanceof JobGateError ? e.code : `not a JobGateError: ${e}`);
async function failure(p: Promise<unknown>): Promise<JobGateError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof JobGateError) return e;
    throw new Error(`expected a JobGateError, got ${String(e)}`);
  }
  throw new Error('expected a failure, the call succeeded');
}

/** Sum of every entry of a user: must always equal the balance's total. */
async function ledgerSum(ledger: CreditLedger, userId: string): Promise<number> {
  const entries = await ledger.entries({ userId, limit: 100_000 });
  return entries.reduce((sum, e) => sum + e.amount, 0);
}

/** Per job: how many charge and refund entries the ledger holds, and their net amount. */
export async function jobLedger(
  ledger: CreditLedger,
  jobId: string,
): Promise<{ charges: number; refunds: number; net: number }> {
  const entries = await ledger.entries({ jobId, limit: 100 });
  return {
    charges: entries.filter((e) => e.kind === 'charge').length,
    refunds: entries.filter((e) => e.kind === 'refund').length,
    net: entries.reduce((sum, e) => sum + e.amount, 0),
  };
}

/**
 * The Billing conformance suite: every ledger jobgate ships (MemoryBilling, PostgresBilling
 * on PGlite, on a PostgreSQL server, through Supabase's rpc) is held to these rules.
 */
export function describeBillingConformance(
  name: string,
  factory: BillingFactory,
  options: { tamper?: boolean } = {},
): void {
  describe(`billing conformance: ${name}`, () => {
    let h: BillingHarness;
    let ledger: CreditLedger;
    beforeAll(async () => {
      h = await factory();
      ledger = await h.ledger();
    });
    afterAll(async () => {
      await h?.close();
    });

    it('spends the buckets in order: monthly first, then lifetime', async () => {
      const u = testUserId();
      await ledger.grant(u, 'monthly', 3);
      await ledger.grant(u, 'lifetime', 10);
      const job = billingJob(u, 5);
      await ledger.charge(job);
      expect(await ledger.balance(u)).toEqual({
        userId: u,
        total: 8,
        buckets: { lifetime: 8, monthly: 0 },
      });
      const [charge] = await ledger.entries({ jobId: job.id });
      expect(charge).toMatchObject({
        kind: 'charge',
        userId: u,
        jobId: job.id,
        amount: -5,
        amounts: { monthly: -3, lifetime: -2 },
        tool: 'upscaler',
      });
      expect(Number.isNaN(Date.parse(charge!.createdAt))).toBe(false);
    });

    it('follows a configured order (lifetime first) and a single bucket', async () => {
      const reversed = await h.ledger(['lifetime', 'monthly']);
      const u = testUserId();
      await reversed.grant(u, 'monthly', 3);
      await reversed.grant(u, 'lifetime', 4);
      await reversed.charge(billingJob(u, 5));
      expect((await reversed.balance(u)).buckets).toEqual({ lifetime: 0, monthly: 2 });
      const single = await h.ledger(['credits']);
      const v = testUserId();
      await single.grant(v, 'credits', 2);
      await single.grant(v, 'monthly', 50); // not spendable by this ledger
      const e = await failure(single.charge(billingJob(v, 3)));
      expect(e.code).toBe('INSUFFICIENT_CREDITS');
      expect(e.details).toMatchObject({ needed: 3, balance: 2 });
    });

    it('charges a job once: a retry changes nothing, even after the balance ran low', async () => {
      const u = testUserId();
      await ledger.grant(u, 'lifetime', 10);
      const job = billingJob(u, 6);
      await ledger.charge(job);
      await ledger.charge(job);
      expect((await ledger.balance(u)).total).toBe(4);
      await ledger.charge(job); // 4 left < 6: still fine, it is the same job
      expect(await jobLedger(ledger, job.id)).toEqual({ charges: 1, refunds: 0, net: -6 });
    });

    it('refuses a charge it cannot cover with INSUFFICIENT_CREDITS and the balance', async () => {
      const u = testUserId();
      await ledger.grant(u, 'monthly', 2);
      await ledger.grant(u, 'lifetime', 1);
      const job = billingJob(u, 4);
      const e = await failure(ledger.charge(job));
      expect(e.code).toBe('INSUFFICIENT_CREDITS');
      expect(e.jobId).toBe(job.id);
      expect(e.details).toMatchObject({ needed: 4, balance: 3 });
      expect(await ledger.balance(u)).toMatchObject({
        total: 3,
        buckets: { monthly: 2, lifetime: 1 },
      });
      expect(await jobLedger(ledger, job.id)).toEqual({ charges: 0, refunds: 0, net: 0 });
      // A user never seen has nothing.
      const nobody = testUserId();
      expect(await ledger.balance(nobody)).toEqual({ userId: nobody, total: 0, buckets: {} });
      expect(codeOf(await failure(ledger.charge(billingJob(nobody, 1))))).toBe(
        'INSUFFICIENT_CREDITS',
      );
    });

    it('refunds into the buckets the charge came from, exactly once', async () => {
      const u = testUserId();
      await ledger.grant(u, 'monthly', 3);
      await ledger.grant(u, 'lifetime', 10);
      const job = billingJob(u, 5);
      await ledger.charge(job);
      // The month turns over before the refund: monthly is reset to 20.
      await ledger.adjust(u, 'monthly', 20, { set: true, note: 'new month' });
      await ledger.refund(job);
      await ledger.refund(job);
      expect((await ledger.balance(u)).buckets).toEqual({ monthly: 23, lifetime: 10 });
      expect(await jobLedger(ledger, job.id)).toEqual({ charges: 1, refunds: 1, net: 0 });
      const [refund] = await ledger.entries({ jobId: job.id, limit: 1 });
      expect(refund).toMatchObject({
        kind: 'refund',
        amount: 5,
        amounts: { monthly: 3, lifetime: 2 },
      });
    });

    it('marks a refund of a job never charged, and refuses a charge arriving after it', async () => {
      // The slow-charge race, in order: the job ended (healed) while its charge was on its
      // way; the refund finds no charge. The late charge must not take the credits.
      const u = testUserId();
      await ledger.grant(u, 'lifetime', 5);
      const job = billingJob(u, 5);
      await ledger.refund(job);
      expect(await jobLedger(ledger, job.id)).toEqual({ charges: 0, refunds: 1, net: 0 });
      expect(codeOf(await failure(ledger.charge(job)))).toBe('CONFLICT');
      expect(await jobLedger(ledger, job.id)).toEqual({ charges: 0, refunds: 1, net: 0 });
      expect((await ledger.balance(u)).total).toBe(5);
      // The marker is no second refund: a refund again changes nothing.
      await ledger.refund(job);
      expect(await jobLedger(ledger, job.id)).toEqual({ charges: 0, refunds: 1, net: 0 });
      expect(await ledgerSum(ledger, u)).toBe(5);
    });

    it('settles a charge and a refund of one job racing in any order: never a charge without its refund', async () => {
      const u = testUserId();
      await ledger.grant(u, 'lifetime', 1_000);
      const outcomes = new Set<string>();
      for (let i = 0; i < 20; i++) {
        const job = billingJob(u, 7);
        const calls =
          i % 2 === 0
            ? [ledger.charge(job), ledger.refund(job)]
            : [ledger.refund(job), ledger.charge(job)];
        const settled = await Promise.allSettled(calls);
        for (const r of settled) {
          if (r.status === 'rejected') expect(codeOf(r.reason)).toBe('CONFLICT');
        }
        // The refund may come after a charge that won the race: it must find it.
        await ledger.refund(job);
        const entries = await jobLedger(ledger, job.id);
        expect(entries.refunds).toBe(1);
        expect(entries.charges).toBeLessThanOrEqual(1);
        expect(entries.net).toBe(0);
        outcomes.add(entries.charges === 1 ? 'charged, then refunded' : 'refused after the marker');
      }
      expect((await ledger.balance(u)).total).toBe(1_000);
      expect(await ledgerSum(ledger, u)).toBe(1_000);
      expect(outcomes.size).toBeGreaterThanOrEqual(1);
    });

    it("refuses to charge or refund a job id under another user's name", async () => {
      const u = testUserId();
      const v = testUserId();
      await ledger.grant(u, 'lifetime', 5);
      await ledger.grant(v, 'lifetime', 5);
      const job = billingJob(u, 2);
      await ledger.charge(job);
      expect(codeOf(await failure(ledger.charge({ ...job, userId: v })))).toBe('CONFLICT');
      expect(codeOf(await failure(ledger.refund({ ...job, userId: v })))).toBe('CONFLICT');
      expect((await ledger.balance(u)).total).toBe(3);
      expect((await ledger.balance(v)).total).toBe(5);
    });

    it('holds under concurrency: 20 racing charges of one job charge it once', async () => {
      const u = testUserId();
      await ledger.grant(u, 'lifetime', 100);
      const job = billingJob(u, 7);
      await Promise.all(Array.from({ length: 20 }, () => ledger.charge(job)));
      await Promise.all(Array.from({ length: 20 }, () => ledger.refund(job)));
      expect(await jobLedger(ledger, job.id)).toEqual({ charges: 1, refunds: 1, net: 0 });
      expect((await ledger.balance(u)).total).toBe(100);
    });

    it('never goes negative: of 12 racing jobs of 3 credits on 20 credits, 6 pass', async () => {
      const u = testUserId();
      await ledger.grant(u, 'monthly', 8);
      await ledger.grant(u, 'lifetime', 12);
      const results = await Promise.allSettled(
        Array.from({ length: 12 }, () => ledger.charge(billingJob(u, 3))),
      );
      const passed = results.filter((r) => r.status === 'fulfilled').length;
      expect(passed).toBe(6);
      for (const r of results) {
        if (r.status === 'rejected') expect(codeOf(r.reason)).toBe('INSUFFICIENT_CREDITS');
      }
      const balance = await ledger.balance(u);
      expect(balance.total).toBe(2);
      expect(Math.min(...Object.values(balance.buckets))).toBeGreaterThanOrEqual(0);
      expect(await ledgerSum(ledger, u)).toBe(balance.total);
    });

    it('grants and adjusts; a bucket never goes below zero', async () => {
      const u = testUserId();
      await ledger.grant(u, 'monthly', 10, 'plan');
      expect((await ledger.adjust(u, 'monthly', -4, { note: 'support' })).buckets.monthly).toBe(6);
      const e = await failure(ledger.adjust(u, 'monthly', -7));
      expect(e.code).toBe('INSUFFICIENT_CREDITS');
      expect(e.details).toMatchObject({ needed: 7, balance: 6, bucket: 'monthly' });
      expect((await ledger.adjust(u, 'monthly', 0, { set: true })).total).toBe(0);
      const [reset, support, plan] = await ledger.entries({ userId: u });
      expect(reset).toMatchObject({ kind: 'adjust', amount: -6, amounts: { monthly: -6 } });
      expect(support).toMatchObject({ kind: 'adjust', amount: -4, note: 'support' });
      expect(plan).toMatchObject({ kind: 'grant', amount: 10, jobId: null, note: 'plan' });
      expect(await ledgerSum(ledger, u)).toBe(0);
    });

    it('rejects bad input with VALIDATION', async () => {
      const u = testUserId();
      expect(codeOf(await failure(ledger.grant(u, 'Monthly!', 1)))).toBe('VALIDATION');
      expect(codeOf(await failure(ledger.grant(u, 'monthly', 0)))).toBe('VALIDATION');
      expect(codeOf(await failure(ledger.grant(u, 'monthly', -5)))).toBe('VALIDATION');
      expect(codeOf(await failure(ledger.adjust(u, 'monthly', -1, { set: true })))).toBe(
        'VALIDATION',
      );
      expect(codeOf(await failure(ledger.entries({})))).toBe('VALIDATION');
      expect(codeOf(await failure(h.ledger(['monthly', 'monthly'])))).toBe('VALIDATION');
      expect(codeOf(await failure(h.ledger([])))).toBe('VALIDATION');
      expect(await ledger.entries({ userId: u })).toEqual([]);
    });

    it("records the provider's cost of a job once", async () => {
      const u = testUserId();
      const job = billingJob(u, 0);
      expect(await ledger.recordCost(job, { cost: 12, unit: 'coins' })).toBe(true);
      expect(await ledger.recordCost(job, { cost: 99, unit: 'coins' })).toBe(false);
      expect(
        codeOf(await failure(ledger.recordCost(billingJob(u, 0), { cost: -1, unit: 'x' }))),
      ).toBe('VALIDATION');
    });

    // An in-memory ledger hands out copies: there is no history to tamper with.
    if (options.tamper)
      it('keeps the ledger append-only: history cannot be rewritten', async () => {
        const u = testUserId();
        await ledger.grant(u, 'lifetime', 5);
        const e = await failure(h.tamper!());
        expect(e.code).toBe('FORBIDDEN');
        expect(await ledgerSum(ledger, u)).toBe(5);
      });
  });
}
