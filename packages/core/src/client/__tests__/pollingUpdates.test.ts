import { describe, expect, it } from 'vitest';
import { JobGateError } from '../../domain/errors.js';
import type { Job } from '../../domain/job.js';
import { FakeClock } from '../../testing/fakeClock.js';
import { pollingUpdates } from '../pollingUpdates.js';
import { flush } from './fakeServer.js';

const job = (status: Job['status'], updatedAt: string): Job =>
  ({ id: 'j1', tool: 't', status, updatedAt, position: null, progress: null }) as Job;

describe('pollingUpdates', () => {
  it('polls at once, then every interval; backs off on failures up to the ceiling; stops at terminal', async () => {
    const clock = new FakeClock();
    const answers: (Job | JobGateError)[] = [
      job('running', '1'),
      job('running', '1'),
      new JobGateError('NETWORK_ERROR', 'down'),
      new JobGateError('NETWORK_ERROR', 'down'),
      new JobGateError('NETWORK_ERROR', 'down'),
      new JobGateError('NETWORK_ERROR', 'down'),
      job('running', '2'),
      job('completed', '3'),
    ];
    const times: number[] = [];
    const start = clock.now();
    const source = pollingUpdates({
      transport: {
        get: async () => {
          times.push(clock.now() - start);
          const next = answers.shift();
          if (!next) throw new Error('polled after the end');
          if (next instanceof JobGateError) throw next;
          return next;
        },
      },
      intervalMs: 1_000,
      maxIntervalMs: 4_000,
      clock,
    });
    const seen: string[] = [];
    source.subscribe(
      'j1',
      (j) => seen.push(`${j.status}@${j.updatedAt}`),
      () => {},
    );
    await flush();
    for (let i = 0; i < 30; i++) await clock.advance(500);
    await flush();
    // 0 ok, 1000 same, 2000 fail → wait 1000, 3000 fail → 2000, 5000 fail → 4000, 9000 fail → 4000 (ceiling), 13000 ok, 14000 done
    expect(times).toEqual([0, 1_000, 2_000, 3_000, 5_000, 9_000, 13_000, 14_000]);
    expect(seen).toEqual(['running@1', 'running@2', 'completed@3']);
    expect(clock.pending).toBe(0);
  });

  it('ends with onError on an error a retry cannot fix; unsubscribe clears its timer', async () => {
    const clock = new FakeClock();
    const errors: unknown[] = [];
    const failing = pollingUpdates({
      transport: {
        get: async () => {
          throw new JobGateError('NOT_FOUND', 'gone');
        },
      },
      clock,
    });
    failing.subscribe(
      'j1',
      () => {},
      (e) => errors.push(e),
    );
    await flush();
    expect(errors).toHaveLength(1);
    expect(clock.pending).toBe(0);

    const ok = pollingUpdates({ transport: { get: async () => job('running', '1') }, clock });
    const stop = ok.subscribe(
      'j1',
      () => {},
      () => {},
    );
    await flush();
    expect(clock.pending).toBe(1);
    stop();
    expect(clock.pending).toBe(0);
  });
});
