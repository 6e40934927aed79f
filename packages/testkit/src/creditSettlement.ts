import { isTerminal, type Job, JobGateError, JobRunner } from '@jobgate/core';
import type { CreditLedger } from '@jobgate/core/adapter';
import { FakeClock, seededRandom } from '@jobgate/core/testing';
import { describe, expect, it } from 'vitest';
import { testUserId } from './billingConformance.js';
import { sampleInputs, testTools } from './fixtures/testTools.js';
import { ScriptedProvider, type StartAnswer } from './scriptedProvider.js';
import type { StoreFactory, StoreHarness } from './storeHarness.js';
import { testJobId } from './storeHarness.js';

export interface CreditSettlementOptions {
  /** Jobs to submit. Default 1,000. */
  jobs?: number;
  users?: number;
  seed?: number;
  timeout?: number;
}

const T0 = Date.UTC(2026, 2, 1, 9);
const ANSWERS: StartAnswer[] = [
  'accept',
  'accept',
  'accept',
  'accept',
  'accept',
  'busy',
  'transient',
  'reject',
  'fatal',
];

/**
 * Money adds up after chaos: many jobs with random provider answers (busy and transient ones
 * retried from the queue), completions, failures, duplicate deliveries, cancels in every
 * state, submits retried with the same id, users who run out of credits, and processes that
 * die after charging or after ending a job without refunding. After healing, every user's
 * balance equals their grants minus the prices of their completed jobs, to the credit, and
 * the ledger sums to the balance.
 */
export function describeCreditSettlement(
  name: string,
  factory: StoreFactory,
  ledgerOf: (h: StoreHarness) => Promise<CreditLedger>,
  options: CreditSettlementOptions = {},
): void {
  const total = options.jobs ?? 1_000;
  describe(`credit settlement: ${name}`, () => {
    it(
      `leaves every balance at grants − completed prices after ${total} chaotic jobs`,
      async () => {
        const h = await factory();
        try {
          await settle(h, await ledgerOf(h), total, options);
        } finally {
          await h.close();
        }
      },
      options.timeout ?? 300_000,
    );
  });
}

async function settle(
  h: StoreHarness,
  ledger: CreditLedger,
  total: number,
  options: CreditSettlementOptions,
): Promise<void> {
  const random = seededRandom(options.seed ?? 16);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const clock = new FakeClock(T0);
  const provider = new ScriptedProvider();
  const runner = new JobRunner({
    store: h.store,
    provider,
    tools: testTools,
    clock,
    billing: ledger,
    wakeTimers: false,
    random,
  });
  const users = Array.from({ length: options.users ?? 24 }, () => testUserId('settle'));
  const grants = new Map<string, number>();
  for (const user of users) {
    const monthly = Math.floor(random() * 300);
    const lifetime = 60 + Math.floor(random() * 2_000);
    if (monthly > 0) await ledger.grant(user, 'monthly', monthly);
    await ledger.grant(user, 'lifetime', lifetime);
    grants.set(user, monthly + lifetime);
  }
  const ids: string[] = [];
  const stats = { submitted: 0, insufficient: 0, crashes: 0, retries: 0 };
  const codeOf = (e: unknown) => (e instanceof JobGateError ? e.code : 'not a JobGateError');
  const unexpected = (e: unknown) => {
    // Every refusal the chaos can cause is one of these; anything else is a bug.
    const ok = [
      'ACTIVE_JOB_EXISTS',
      'INSUFFICIENT_CREDITS',
      'PROVIDER_REJECTED',
      'PROVIDER_CONFIG',
      'PROVIDER_ERROR',
      'CONFIRM_REQUIRED',
    ];
    if (!ok.includes(codeOf(e))) throw e;
    if (codeOf(e) === 'INSUFFICIENT_CREDITS') stats.insufficient++;
  };
  const active = () => h.store.list({ status: ['starting', 'queued', 'running'] });

  while (stats.submitted < total) {
    const roll = random();
    if (roll < 0.45) {
      // A submit (sometimes the browser retries it with the same id).
      const user = pick(users);
      const tool = pick(testTools);
      const jobId = testJobId();
      provider.answers.length = 0;
      provider.script(pick(ANSWERS));
      stats.submitted++;
      ids.push(jobId);
      const request = {
        jobId,
        tool: tool.id,
        userId: user,
        input: sampleInputs[tool.id as keyof typeof sampleInputs],
      };
      await runner.submit(request).catch(unexpected);
      if (random() < 0.15) {
        stats.retries++;
        await runner.submit(request).catch(unexpected);
      }
    } else if (roll < 0.65) {
      // The provider finishes a running task (sometimes the webhook comes twice).
      const running = (await active()).filter((j) => j.status === 'running' && j.taskId);
      if (running.length === 0) continue;
      const job = pick(running);
      const update =
        random() < 0.7
          ? { state: 'completed' as const, taskId: job.taskId!, output: { url: 'out' } }
          : { state: 'failed' as const, taskId: job.taskId!, error: { code: '805', message: 'x' } };
      await runner.applyUpdate(job.id, update);
      if (random() < 0.2) await runner.applyUpdate(job.id, update);
    } else if (roll < 0.78) {
      // The user cancels, confirming or not.
      const list = await active();
      if (list.length === 0) continue;
      const job = pick(list);
      await runner
        .cancel({ jobId: job.id, userId: job.userId, confirm: random() < 0.7 })
        .catch(unexpected);
    } else if (roll < 0.86) {
      await crash(pick(users));
    } else {
      // Time passes; healing runs (backoffs end, stale starts and lost starts are ended).
      await clock.advance(pick([2_000, 9_000, 20_000, 70_000]));
      await runner.heal();
    }
  }

  /** A process dies at a point where only healing can settle the money. */
  async function crash(user: string): Promise<void> {
    stats.crashes++;
    const running = (await active()).filter(
      (j) => j.status === 'running' && j.creditState === 'charged',
    );
    if (running.length > 0 && random() < 0.5) {
      // …after ending a charged job, before refunding it.
      const job = pick(running);
      await h.store.finish(
        job.id,
        { status: 'failed', errorCode: 'INTERNAL', errorMessage: 'INTERNAL: the process died' },
        { limits: runner.policy.limits, now: clock.now() },
      );
      return;
    }
    // …after creating and charging a job, before it took a slot.
    const tool = pick(testTools);
    const jobId = testJobId();
    let job: Job;
    try {
      ({ job } = await h.store.create(
        {
          id: jobId,
          tool: tool.id,
          userId: user,
          pool: tool.pool,
          input: {},
          userCreditCost: tool.price(sampleInputs[tool.id as keyof typeof sampleInputs] as never),
        },
        { maxActivePerUser: 1, now: clock.now() },
      ));
    } catch (e) {
      unexpected(e);
      return;
    }
    ids.push(jobId);
    await h.store.setCreditState(job.id, 'none', 'charged', clock.now());
    await ledger.charge(job).catch(unexpected);
  }

  // The end of the day: every task ends, time passes, healing settles the rest.
  for (const job of await active()) {
    if (job.status === 'running' && job.taskId)
      await runner.applyUpdate(job.id, { state: 'completed', taskId: job.taskId });
  }
  for (let i = 0; i < 4; i++) {
    await clock.advance(61_000);
    await runner.heal();
    for (const job of await active()) {
      if (job.status === 'running' && job.taskId)
        await runner.applyUpdate(job.id, { state: 'completed', taskId: job.taskId });
      else if (job.status === 'queued')
        await runner.cancel({ jobId: job.id, userId: job.userId, confirm: true });
    }
  }
  // Refunds owed are paid 100 per heal: heal until none is left.
  for (let i = 0; i < 20 && (await runner.heal()).refunded > 0; i++);
  runner.close();

  const rows = await h.rows();
  expect(rows.filter((j) => !isTerminal(j.status)).map((j) => `${j.status}/${j.taskId}`)).toEqual(
    [],
  );
  expect(
    rows
      .filter((j) => j.creditState === 'charged' && j.status !== 'completed')
      .map((j) => `${j.status}/${j.errorCode}/${j.userCreditCost}`),
  ).toEqual([]);
  const byStatus = new Map<string, number>();
  for (const job of rows) byStatus.set(job.status, (byStatus.get(job.status) ?? 0) + 1);
  // The chaos really happened: each kind of ending occurred many times.
  expect(stats.submitted).toBe(total);
  for (const status of ['completed', 'failed', 'cancelled'])
    expect(byStatus.get(status) ?? 0).toBeGreaterThan(total / 20);
  expect(stats.insufficient).toBeGreaterThan(0);
  expect(stats.crashes).toBeGreaterThan(total / 20);

  for (const user of users) {
    const completed = rows
      .filter((j) => j.userId === user && j.status === 'completed')
      .reduce((sum, j) => sum + j.userCreditCost, 0);
    const balance = await ledger.balance(user);
    const entries = await ledger.entries({ userId: user, limit: 1_000_000 });
    expect({ user, balance: balance.total }).toEqual({
      user,
      balance: grants.get(user)! - completed,
    });
    expect(entries.reduce((sum, e) => sum + e.amount, 0)).toBe(balance.total);
    expect(Math.min(...Object.values(balance.buckets))).toBeGreaterThanOrEqual(0);
    // Per job: one charge at most, and a refund exactly when it did not complete. A refund
    // that found no charge (its charge never landed: a crash, a timeout) is a marker that
    // moves nothing, and only such a job may have one.
    for (const job of rows.filter((j) => j.userId === user)) {
      const mine = entries.filter((e) => e.jobId === job.id);
      const charges = mine.filter((e) => e.kind === 'charge').length;
      const refunds = mine.filter((e) => e.kind === 'refund' && Object.keys(e.amounts).length > 0);
      const markers = mine.filter(
        (e) => e.kind === 'refund' && Object.keys(e.amounts).length === 0,
      );
      expect(charges).toBeLessThanOrEqual(1);
      expect({ id: job.id, status: job.status, refunds: refunds.length }).toEqual({
        id: job.id,
        status: job.status,
        refunds: job.status === 'completed' ? 0 : charges,
      });
      expect(markers.length).toBeLessThanOrEqual(charges === 0 ? 1 : 0);
    }
  }
}
