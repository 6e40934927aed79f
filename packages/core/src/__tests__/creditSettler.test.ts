import { describe, expect, it } from 'vitest';
import { JobGateError } from '../domain/errors.js';
import { type Job, jobRecord } from '../domain/job.js';
import { JobRunner } from '../runner/jobRunner.js';
import { handParts, input, SEC, handRunner as setup, tool, uuid } from './handRunner.js';

describe('refunds exactly once (#8)', () => {
  it('four concurrent heals call billing.refund once for one owed refund', async () => {
    const { clock, store, billing, runner } = setup();
    const base = jobRecord(
      { id: uuid(1), tool: 'img', userId: 'u', pool: 'default', input, userCreditCost: 10 },
      clock.now(),
    );
    store.unsafeInsert({
      ...base,
      status: 'failed',
      creditState: 'charged',
      errorCode: 'INTERNAL',
      errorMessage: 'INTERNAL: x',
      completedAt: base.createdAt,
    });
    const runners = [
      runner,
      ...[1, 2, 3].map(
        () => new JobRunner({ store, provider: runner.provider, tools: [tool], clock, billing }),
      ),
    ];
    const reports = await Promise.all(runners.map((r) => r.heal()));
    expect(billing.refunds).toEqual([uuid(1)]);
    expect(reports.reduce((n, r) => n + r.refunded, 0)).toBe(1);
    expect((await store.get(uuid(1)))?.creditState).toBe('refunded');
  });

  it('gives a refund back to the next heal when Billing fails, and takes over a dead claim', async () => {
    const { clock, store, runner } = setup();
    let fail = true;
    const paid: string[] = [];
    const flaky = new JobRunner({
      store,
      provider: runner.provider,
      tools: [tool],
      clock,
      billing: {
        charge: async () => undefined,
        refund: async (job) => {
          if (fail) throw new Error('ledger down');
          paid.push(job.id);
        },
      },
    });
    const base = (n: number, creditState: Job['creditState']) => ({
      ...jobRecord(
        { id: uuid(n), tool: 'img', userId: 'u', pool: 'default', input, userCreditCost: 10 },
        clock.now(),
      ),
      status: 'failed' as const,
      creditState,
      errorCode: 'INTERNAL',
      errorMessage: 'INTERNAL: x',
      completedAt: new Date(clock.now()).toISOString(),
    });
    store.unsafeInsert(base(1, 'charged'));
    // A claim left by a process that died while paying.
    store.unsafeInsert(base(2, 'refunding'));
    await flaky.heal();
    expect((await store.get(uuid(1)))?.creditState).toBe('charged');
    fail = false;
    await flaky.heal();
    expect(paid).toEqual([uuid(1)]);
    await clock.advance(60 * SEC + 1);
    await flaky.heal();
    expect(paid).toEqual([uuid(1), uuid(2)]);
    expect((await store.get(uuid(2)))?.creditState).toBe('refunded');
  });
});

describe('CreditSettler', () => {
  it('charges only a priced job, and only with billing', () => {
    expect(handParts().credits.charges(10)).toBe(true);
    expect(handParts().credits.charges(0)).toBe(false);
    expect(handParts({ billing: undefined }).credits.charges(10)).toBe(false);
  });

  it('leaves a refused charge uncharged, and any other failed charge charged for the refund', async () => {
    const { clock, store, credits } = handParts({
      billing: {
        charge: async (job) => {
          if (job.id === uuid(1)) throw new JobGateError('INSUFFICIENT_CREDITS', 'balance 0');
          throw new Error('the ledger timed out');
        },
        refund: async () => undefined,
      },
    });
    for (const [n, code] of [
      [1, 'INSUFFICIENT_CREDITS'],
      // An adapter's unknown failure is never reported as "not enough credits".
      [2, 'INTERNAL'],
    ] as const) {
      const { job } = await store.create(
        { id: uuid(n), tool: 'img', userId: `u${n}`, pool: 'default', input, userCreditCost: 10 },
        { maxActivePerUser: 1, now: clock.now() },
      );
      await expect(credits.charge(job)).rejects.toMatchObject({ code });
    }
    expect((await store.get(uuid(1)))?.creditState).toBe('none');
    // It may have been charged after all: the FailSafe's refund settles it either way.
    expect((await store.get(uuid(2)))?.creditState).toBe('charged');
  });

  it('gives up a charge that does not answer within the billing deadline, leaving it charged for the refund', async () => {
    const { clock, store, credits } = handParts({
      timeouts: { billingCallMs: 30 },
      billing: { charge: () => new Promise<void>(() => {}), refund: async () => undefined },
    });
    const { job } = await store.create(
      { id: uuid(1), tool: 'img', userId: 'u1', pool: 'default', input, userCreditCost: 10 },
      { maxActivePerUser: 1, now: clock.now() },
    );
    const started = Date.now();
    const error = await credits.charge(job).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INTERNAL', jobId: uuid(1) });
    expect((error as Error).message).toMatch(/did not answer within 30 ms/);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await store.get(uuid(1)))?.creditState).toBe('charged');
  });

  it('keeps the charge of a running cancel when the policy says so, and refunds a failure', async () => {
    const { clock, store, billing, credits } = handParts({
      refundPolicy: { cancelWhileRunning: false },
    });
    const ended = (n: number, fields: Partial<Job>): Job => ({
      ...jobRecord(
        { id: uuid(n), tool: 'img', userId: 'u', pool: 'default', input, userCreditCost: 10 },
        clock.now(),
      ),
      creditState: 'charged',
      completedAt: new Date(clock.now()).toISOString(),
      ...fields,
    });
    const startedAt = new Date(clock.now()).toISOString();
    const cancelled = ended(1, { status: 'cancelled', startedAt });
    const failed = ended(2, { status: 'failed', startedAt, errorCode: 'TIMEOUT' });
    store.unsafeInsert(cancelled);
    store.unsafeInsert(failed);
    expect(await credits.settle(cancelled)).toBe(false);
    expect(await credits.settle(failed)).toBe(true);
    expect(billing.refunds).toEqual([uuid(2)]);
    expect((await store.get(uuid(1)))?.creditState).toBe('kept');
    expect((await store.get(uuid(2)))?.creditState).toBe('refunded');
  });

  it('reports a ledger that cannot record a cost, and does not throw', async () => {
    const { clock, store, credits, errors } = handParts({
      billing: {
        charge: async () => undefined,
        refund: async () => undefined,
        recordCost: async () => {
          throw new Error('no cost table');
        },
      } as never,
    });
    const { job } = await store.create(
      { id: uuid(1), tool: 'img', userId: 'u', pool: 'default', input, userCreditCost: 10 },
      { maxActivePerUser: 1, now: clock.now() },
    );
    await credits.recordCost(job, { amount: 1, currency: 'USD' } as never);
    expect(errors).toEqual([{ during: 'cost', jobId: uuid(1), message: 'no cost table' }]);
  });
});
