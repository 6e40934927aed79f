import { describe, expect, it } from 'vitest';
import { JobRunner } from '../runner/jobRunner.js';
import { holdStartLease } from '../runner/startLease.js';
import { handParts, SEC, handRunner as setup, tool, uuid } from './handRunner.js';

describe('start leases in the runner', () => {
  it('renews the lease while provider.start is in flight: a slow start is not healed', async () => {
    const { clock, store, provider, submit } = setup();
    let accept!: (taskId: string) => void;
    provider.starts.push(new Promise<string>((r) => (accept = r)));
    const pending = submit(1);
    // Another instance heals every 5 s for 40 s while the provider takes its time.
    const other = new JobRunner({ store, provider, tools: [tool], clock });
    for (let t = 0; t < 8; t++) {
      await clock.advance(5 * SEC);
      expect((await other.heal()).healed).toEqual([]);
    }
    accept('slow-task');
    expect(await pending).toMatchObject({ status: 'running', taskId: 'slow-task' });
  });

  it('frees the slot of a start whose process died within the lease (15 s), not at lostStartMs (60 s)', async () => {
    const { clock, store, provider, runner, submit } = setup();
    provider.starts.push(new Promise<string>(() => undefined)); // never answers
    void submit(1).catch(() => undefined);
    await clock.advance(0);
    expect((await store.get(uuid(1)))?.status).toBe('running');
    runner.close(); // the process is gone: no more renewals
    const other = new JobRunner({ store, provider, tools: [tool], clock });
    await clock.advance(15 * SEC);
    expect((await other.heal()).healed).toEqual([]);
    await clock.advance(1);
    const report = await other.heal();
    expect(report.healed.map((j) => [j.id, j.errorCode])).toEqual([[uuid(1), 'START_LOST']]);
    expect(report.healed[0]!.errorMessage).toMatch(/lease/);
  });

  it('a task started for a job that heal ended is cancelled at the provider when it shows up', async () => {
    const { clock, store, provider, runner, submit } = setup({
      webhook: { baseUrl: 'https://x.test', secret: 'a-secret-of-enough-length-0123' },
    });
    provider.starts.push(new Promise<string>(() => undefined));
    void submit(1).catch(() => undefined);
    await clock.advance(0);
    runner.close();
    const other = new JobRunner({ store, provider, tools: [tool], clock });
    await clock.advance(16 * SEC);
    await other.heal();
    expect((await store.get(uuid(1)))?.errorCode).toBe('START_LOST');
    // The dead instance's start reached the provider after all: its task reports in.
    await other.applyUpdate(uuid(1), { taskId: 'orphan', state: 'running' });
    expect(provider.cancelled).toEqual(['orphan']);
  });
});

describe('holdStartLease', () => {
  it('renews the lease every third of startLeaseMs, to now + startLeaseMs, until stopped', async () => {
    const { clock, ctx, store } = handParts({ timeouts: { startLeaseMs: 15 * SEC } });
    const renewals: Array<[string[], number]> = [];
    store.renewLeases = async (ids, until) => {
      renewals.push([[...ids], until]);
      return 0;
    };
    const t0 = clock.now();
    const lease = holdStartLease(ctx, uuid(1));
    await clock.advance(5 * SEC - 1);
    expect(renewals).toEqual([]);
    await clock.advance(1);
    await clock.advance(5 * SEC);
    expect(renewals).toEqual([
      [[uuid(1)], t0 + 20 * SEC],
      [[uuid(1)], t0 + 25 * SEC],
    ]);
    lease.stop();
    await clock.advance(30 * SEC);
    expect(renewals).toHaveLength(2);
  });

  it('stops renewing once the runner is closed: a dead process lets its lease run out', async () => {
    const { clock, ctx, store } = handParts();
    let renewed = 0;
    store.renewLeases = async () => {
      renewed++;
      return 0;
    };
    holdStartLease(ctx, uuid(1));
    await clock.advance(5 * SEC);
    ctx.closed = true;
    await clock.advance(30 * SEC);
    expect(renewed).toBe(1);
  });
});
