import { describe, expect, it } from 'vitest';
import { type Job, jobRecord } from '../domain/job.js';
import { movedQueues } from '../domain/movedQueues.js';
import { MemoryStore } from '../memory/memoryStore.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');

function job(fields: Partial<Job>): Job {
  const base = jobRecord(
    { id: 'j1', tool: 't', userId: 'u', pool: 'default', input: {}, userCreditCost: 1 },
    T0,
  );
  return { ...base, ...fields };
}

describe('movedQueues: the pools whose queue one store call moved', () => {
  it('a promotion, a requeue (head) and the end of a waiting job move their pool, each pool once', () => {
    const waited = job({ pool: 'a', status: 'cancelled', waitedInQueue: true, startedAt: null });
    expect(movedQueues({ ended: [waited] })).toEqual(['a']);
    expect(
      movedQueues({ requeued: job({ pool: 'b', status: 'queued', waitedInQueue: true }) }),
    ).toEqual(['b']);
    const promoted = [job({ pool: 'c', status: 'running' }), job({ pool: 'c', status: 'running' })];
    expect(movedQueues({ ended: [waited, waited], promoted })).toEqual(['a', 'c']);
  });

  it('the end of a job that never queued, or that ran, moves nobody; nor does an empty change', () => {
    const started = new Date(T0).toISOString();
    expect(movedQueues({ ended: [job({ status: 'cancelled' })] })).toEqual([]);
    const ran = job({ status: 'failed', waitedInQueue: true, startedAt: started });
    expect(movedQueues({ ended: [ran], promoted: [] })).toEqual([]);
    expect(movedQueues({})).toEqual([]);
  });
});

describe('MemoryStore announces the queues movedQueues names', () => {
  const limits = { poolCaps: {}, defaultPoolCap: 1, toolCaps: {}, maxRunningPerUser: null };
  const make = (id: string) => ({
    id,
    tool: 't',
    userId: id,
    pool: 'default',
    input: {},
    userCreditCost: 1,
  });

  it('one notice per pool and call: a heal that ends two waiting jobs sends one', async () => {
    const store = new MemoryStore();
    for (const id of ['r', 'q1', 'q2']) {
      await store.create(make(id), { maxActivePerUser: 1, now: T0, start: limits });
    }
    const moved: string[] = [];
    store.subscribe(
      () => undefined,
      (pool) => moved.push(pool),
    );
    // A starting job that is cancelled never queued: no notice.
    await store.create(make('s'), { maxActivePerUser: 1, now: T0 });
    await store.finish(
      's',
      { status: 'cancelled', errorCode: 'CANCELLED_BY_USER', errorMessage: 'x' },
      { limits, now: T0 },
    );
    expect(moved).toEqual([]);
    const healed = await store.heal({
      limits,
      now: T0 + 10_000,
      staleStartMs: 60_000,
      lostStartMs: 60_000,
      maxQueueMs: 1_000,
    });
    expect(healed.healed.map((j) => j.id).sort()).toEqual(['q1', 'q2']);
    expect(moved).toEqual(['default']);
  });
});
