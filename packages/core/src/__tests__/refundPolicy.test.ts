import { sampleInputs, tools } from '@jobgate/example-tools';
import { describe, expect, it } from 'vitest';
import { JobGateError } from '../domain/errors.js';
import type { RefundPolicy } from '../domain/refundPolicy.js';
import { MemoryStore } from '../memory/memoryStore.js';
import type { Billing } from '../ports/billing.js';
import { JobRunner } from '../runner/jobRunner.js';
import { FakeClock } from '../testing/fakeClock.js';
import { MemoryBilling } from '../testing/memoryBilling.js';
import { SimulatedProvider } from '../testing/simulatedProvider.js';

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
// Refund rules only: Veste AI without its file fields (files are covered by the runner's file tests).
const veste = { ...tools.find((t) => t.id === 'veste-ai')!, files: [] };
const input = sampleInputs['veste-ai'];

function setup(
  options: { keepRunningCancel?: boolean; policy?: RefundPolicy; billing?: Billing } = {},
) {
  const clock = new FakeClock();
  const store = new MemoryStore();
  const ledger = new MemoryBilling(0);
  const tool =
    options.keepRunningCancel === undefined
      ? veste
      : { ...veste, refundCancelWhileRunning: !options.keepRunningCancel };
  const provider = new SimulatedProvider({
    clock,
    seed: 1,
    startLatencyMs: [0, 0],
    durationMs: [60_000, 60_000],
  });
  const runner = new JobRunner({
    store,
    provider,
    tools: [tool],
    clock,
    billing: options.billing ?? ledger,
    ...(options.policy ? { refundPolicy: options.policy } : {}),
    random: () => 0.5,
  });
  return { clock, store, ledger, runner };
}

describe('refund policy', () => {
  it('refunds a job cancelled while running by default', async () => {
    const { runner, ledger, store } = setup();
    await ledger.grant('u', 'monthly', 100);
    const job = await runner.submit({ jobId: uuid(1), tool: 'veste-ai', userId: 'u', input });
    expect(job.status).toBe('running');
    expect((await ledger.balance('u')).total).toBe(40);
    await runner.cancel({ jobId: job.id, userId: 'u', confirm: true });
    expect((await store.get(job.id))?.creditState).toBe('refunded');
    expect((await ledger.balance('u')).total).toBe(100);
  });

  it('keeps the charge of a running cancel for a tool that says so, also across heal', async () => {
    const { runner, ledger, store, clock } = setup({ keepRunningCancel: true });
    await ledger.grant('u', 'monthly', 100);
    const job = await runner.submit({ jobId: uuid(1), tool: 'veste-ai', userId: 'u', input });
    await runner.cancel({ jobId: job.id, userId: 'u', confirm: true });
    expect((await store.get(job.id))?.creditState).toBe('kept');
    expect((await runner.heal()).refunded).toBe(0);
    expect((await ledger.balance('u')).total).toBe(40);
    // The process died between ending a job and settling it: heal applies the same rule.
    await ledger.grant('u', 'monthly', 60);
    const second = await runner.submit({ jobId: uuid(2), tool: 'veste-ai', userId: 'u', input });
    await store.finish(
      second.id,
      { status: 'cancelled', errorCode: 'CANCELLED_BY_USER', errorMessage: 'CANCELLED_BY_USER: x' },
      { limits: runner.policy.limits, now: clock.now() },
    );
    expect((await store.get(second.id))?.creditState).toBe('charged');
    expect((await runner.heal()).refunded).toBe(0);
    expect((await store.get(second.id))?.creditState).toBe('kept');
    expect((await ledger.balance('u')).total).toBe(40);
  });

  it('still refunds queued cancels and failures of that tool', async () => {
    const { runner, ledger, store } = setup({ keepRunningCancel: true });
    for (let i = 1; i <= 4; i++) await ledger.grant(`u${i}`, 'lifetime', 60);
    for (let i = 1; i <= 4; i++)
      await runner.submit({ jobId: uuid(i), tool: 'veste-ai', userId: `u${i}`, input });
    expect((await store.get(uuid(4)))?.status).toBe('queued');
    await runner.cancel({ jobId: uuid(4), userId: 'u4', confirm: true });
    expect((await ledger.balance('u4')).total).toBe(60);
    await runner.applyUpdate(uuid(1), { state: 'failed', error: { code: '805', message: 'x' } });
    expect((await ledger.balance('u1')).total).toBe(60);
  });

  it('lets a tool refund running cancels when the runner keeps them', async () => {
    const { runner, ledger } = setup({
      keepRunningCancel: false,
      policy: { cancelWhileRunning: false },
    });
    await ledger.grant('u', 'monthly', 60);
    await runner.submit({ jobId: uuid(1), tool: 'veste-ai', userId: 'u', input });
    await runner.cancel({ jobId: uuid(1), userId: 'u', confirm: true });
    expect((await ledger.balance('u')).total).toBe(60);
  });

  it('refuses a job the user cannot pay before it takes a slot, with the balance', async () => {
    const { runner, ledger, store } = setup();
    await ledger.grant('u', 'monthly', 10);
    await ledger.grant('u', 'lifetime', 5);
    const error = await runner
      .submit({ jobId: uuid(1), tool: 'veste-ai', userId: 'u', input })
      .catch((e) => e);
    expect(error).toBeInstanceOf(JobGateError);
    expect(error).toMatchObject({
      code: 'INSUFFICIENT_CREDITS',
      jobId: uuid(1),
      details: { needed: 60, balance: 15 },
    });
    const job = await store.get(uuid(1));
    expect(job).toMatchObject({ status: 'failed', creditState: 'none', startedAt: null });
    expect(await store.counts('default')).toEqual({ running: 0, queued: 0 });
    expect((await ledger.balance('u')).total).toBe(15);
  });

  it('settles a charge whose answer was lost: the failed job is refunded', async () => {
    const ledger = new MemoryBilling(0);
    await ledger.grant('u', 'monthly', 100);
    // The charge commits, then the connection drops before the answer arrives.
    const flaky: Billing = {
      charge: async (job) => {
        await ledger.charge(job);
        throw new JobGateError('NETWORK_ERROR', 'connection reset');
      },
      refund: (job) => ledger.refund(job),
    };
    const { runner, store } = setup({ billing: flaky });
    await expect(
      runner.submit({ jobId: uuid(1), tool: 'veste-ai', userId: 'u', input }),
    ).rejects.toMatchObject({ code: 'NETWORK_ERROR' });
    expect(await store.get(uuid(1))).toMatchObject({ status: 'failed', creditState: 'refunded' });
    expect((await ledger.balance('u')).total).toBe(100);
  });
});
