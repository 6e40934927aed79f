import { describe, expect, it, vi } from 'vitest';
import { JobGateError } from '../domain/errors.js';
import { backoffDelay } from '../runner/providerLauncher.js';
import { DEFAULT_RETRY } from '../runner/runnerOptions.js';
import { SEC, handRunner as setup, uuid } from './handRunner.js';

describe('smaller truths (#9)', () => {
  it('clears the PROVIDER_BUSY fields once the provider accepts the retried start', async () => {
    const { clock, store, provider, submit } = setup();
    provider.starts.push(new JobGateError('PROVIDER_BUSY', 'full', { providerCode: 421 }));
    const queued = await submit(1);
    expect(queued).toMatchObject({ status: 'queued', errorCode: 'PROVIDER_BUSY' });
    await clock.advance(4 * SEC);
    expect(await store.get(uuid(1))).toMatchObject({
      status: 'running',
      taskId: expect.any(String),
      errorCode: null,
      errorMessage: null,
      retryAt: null,
    });
  });
});

describe('ProviderLauncher', () => {
  const busy = (options: { retryAfterMs?: number } = {}) =>
    new JobGateError('PROVIDER_BUSY', 'full', { providerCode: 421, ...options });

  it('backs off by the schedule (the last step repeats) with ± jitter, never before Retry-After', () => {
    const at = (attempt: number, random: number, retryAfterMs?: number) =>
      backoffDelay(DEFAULT_RETRY, attempt, retryAfterMs, () => random);
    expect([0, 1, 2, 3, 9].map((attempt) => at(attempt, 0.5))).toEqual([
      3_000, 8_000, 15_000, 15_000, 15_000,
    ]);
    expect([at(0, 0), at(0, 1)]).toEqual([2_400, 3_600]);
    expect(at(0, 0.5, 20_000)).toBe(20_000);
  });

  it('retries a busy start at 3 s, 8 s, 15 s, 15 s after each answer (FakeClock)', async () => {
    const { clock, provider, store, submit } = setup();
    provider.starts.push(busy(), busy(), busy(), busy());
    const t0 = clock.now();
    expect(await submit(1)).toMatchObject({ status: 'queued', errorCode: 'PROVIDER_BUSY' });
    await clock.advance(60 * SEC);
    expect(provider.startedAt.map((t) => (t - t0) / SEC)).toEqual([0, 3, 11, 26, 41]);
    expect(await store.get(uuid(1))).toMatchObject({ status: 'running', attempts: 4 });
  });

  it("waits for the provider's Retry-After when it is longer than the backoff", async () => {
    const { clock, provider, submit } = setup();
    provider.starts.push(busy({ retryAfterMs: 20 * SEC }));
    const t0 = clock.now();
    await submit(1);
    await clock.advance(30 * SEC);
    expect(provider.startedAt.map((t) => (t - t0) / SEC)).toEqual([0, 20]);
  });

  it('gives up a transient error after maxTransientAttempts: the job fails, refunded', async () => {
    const { clock, provider, store, billing, submit } = setup();
    const down = () => new JobGateError('PROVIDER_ERROR', 'RunningHub 503');
    provider.starts.push(down(), down(), down());
    const t0 = clock.now();
    await submit(1);
    await clock.advance(60 * SEC);
    expect(provider.startedAt.map((t) => (t - t0) / SEC)).toEqual([0, 3, 11]);
    expect(await store.get(uuid(1))).toMatchObject({
      status: 'failed',
      errorCode: 'PROVIDER_ERROR',
    });
    // The ledger takes real time; the wake timer that ran the last start awaits nobody.
    await vi.waitFor(() => expect(billing.refunds).toEqual([uuid(1)]));
  });
});
