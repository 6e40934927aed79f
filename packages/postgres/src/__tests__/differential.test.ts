// Differential test: random sequences of JobStore calls run against the MemoryStore (the
// reference) and the PostgresStore; every answer (jobs, promoted and healed lists, orders,
// error codes) and the final rows must be identical.
import {
  type Job,
  type JobStatus,
  MemoryStore,
  type SlotLimits,
  toJobGateError,
} from '@jobgate/core';
import { describeWith, type StoreHarness } from '@jobgate/testkit';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgliteHarness, serverHarness } from './pgHarness.js';

const T0 = Date.UTC(2026, 0, 1, 12);
const TOOLS = ['upscaler', 'pose-changer', 'veste-ai', 'video-upscaler'];
const POOLS = ['default', 'gpu2'];
const PRESETS: SlotLimits[] = [
  { poolCaps: { default: 3 }, defaultPoolCap: 3, toolCaps: {}, maxRunningPerUser: null },
  {
    poolCaps: { default: 2, gpu2: 1 },
    defaultPoolCap: 2,
    toolCaps: { 'video-upscaler': 1 },
    maxRunningPerUser: 1,
  },
];
const STATUSES: JobStatus[] = ['starting', 'queued', 'running', 'completed', 'failed', 'cancelled'];

type Op =
  | { k: 'create'; user: number; tool: number; pool: number; maxActive: number }
  | { k: 'submit'; user: number; tool: number; pool: number }
  | { k: 'recreate'; pick: number; sameUser: boolean }
  | { k: 'createFailed'; user: number; tool: number }
  | { k: 'start'; pick: number }
  | { k: 'attach'; pick: number; task: number }
  | { k: 'progress'; pick: number; value: number }
  | { k: 'requeue'; pick: number; delay: number }
  | { k: 'finish'; pick: number; outcome: number; from: number }
  | { k: 'promote' }
  | { k: 'heal'; maxQueue: number | null; lease: number | null }
  | { k: 'renew'; pick: number; ms: number }
  | { k: 'claimRefund'; pick: number; staleMs: number }
  | { k: 'lateOutput'; pick: number; task: number }
  | { k: 'credit'; pick: number; from: number; to: number }
  | { k: 'advance'; ms: number }
  | { k: 'read'; which: number; arg: number };

const pick = fc.nat({ max: 40 });
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      k: fc.constant('create' as const),
      user: fc.nat({ max: 5 }),
      tool: fc.nat({ max: 3 }),
      pool: fc.nat({ max: 1 }),
      maxActive: fc.integer({ min: 1, max: 2 }),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      k: fc.constant('submit' as const),
      user: fc.nat({ max: 7 }),
      tool: fc.nat({ max: 3 }),
      pool: fc.nat({ max: 1 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant('recreate' as const), pick, sameUser: fc.boolean() }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('createFailed' as const),
      user: fc.nat({ max: 5 }),
      tool: fc.nat({ max: 3 }),
    }),
  },
  { weight: 5, arbitrary: fc.record({ k: fc.constant('start' as const), pick }) },
  {
    weight: 2,
    arbitrary: fc.record({ k: fc.constant('attach' as const), pick, task: fc.nat({ max: 1 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('progress' as const),
      pick,
      value: fc.constantFrom(0, 0.25, 1, 1.5),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('requeue' as const),
      pick,
      delay: fc.constantFrom(0, 5_000, 30_000),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant('finish' as const),
      pick,
      outcome: fc.nat({ max: 2 }),
      from: fc.nat({ max: 2 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('promote' as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('heal' as const),
      maxQueue: fc.constantFrom(null, 40_000),
      lease: fc.constantFrom(null, 15_000),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('renew' as const),
      pick,
      ms: fc.constantFrom(5_000, 15_000),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('claimRefund' as const),
      pick,
      staleMs: fc.constantFrom(1_000, 60_000),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('lateOutput' as const),
      pick,
      task: fc.nat({ max: 1 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('credit' as const),
      pick,
      from: fc.nat({ max: 3 }),
      to: fc.nat({ max: 3 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('advance' as const),
      ms: fc.constantFrom(1, 1_000, 10_000, 20_000, 70_000),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('read' as const),
      which: fc.nat({ max: 5 }),
      arg: fc.nat({ max: 5 }),
    }),
  },
);

const CREDITS = ['none', 'charged', 'refunding', 'refunded'] as const;

async function apply(
  store: MemoryStore | StoreHarness['store'],
  o: Op,
  ids: string[],
  state: { now: number; n: number },
  limits: SlotLimits,
): Promise<unknown> {
  // Mostly a known job (the newest ones more often), now and then an unknown id.
  const id = (p: number) =>
    p % 9 === 8 || ids.length === 0
      ? `missing-${p}`
      : ids[ids.length - 1 - (p % Math.min(ids.length, 6))]!;
  const now = state.now;
  /** Two picks in three: a job in one of `statuses` (by id order); else any id. */
  const among = async (p: number, statuses: JobStatus[]) => {
    if (p % 3 === 2) return id(p);
    const candidates = (await store.list({ status: statuses })).map((j) => j.id).sort();
    return candidates[p % Math.max(1, candidates.length)] ?? id(p);
  };
  const slot = { limits, now };
  switch (o.k) {
    case 'create': {
      const jobId = `j${++state.n}`;
      ids.push(jobId);
      return store.create(
        {
          id: jobId,
          tool: TOOLS[o.tool]!,
          userId: `u${o.user}`,
          pool: POOLS[o.pool]!,
          input: { n: state.n },
          userCreditCost: 60,
        },
        { maxActivePerUser: o.maxActive, now },
      );
    }
    case 'submit': {
      const jobId = `j${++state.n}`;
      ids.push(jobId);
      const { job } = await store.create(
        {
          id: jobId,
          tool: TOOLS[o.tool]!,
          userId: `s${o.user}`,
          pool: POOLS[o.pool]!,
          input: {},
          userCreditCost: 60,
        },
        { maxActivePerUser: 1, now },
      );
      return store.start(job.id, slot);
    }
    case 'recreate': {
      const existing = await store.get(id(o.pick));
      if (!existing) return 'none';
      return store.create(
        {
          id: existing.id,
          tool: existing.tool,
          userId: o.sameUser ? existing.userId : 'intruder',
          pool: existing.pool,
          input: {},
          userCreditCost: 1,
        },
        { maxActivePerUser: 9, now },
      );
    }
    case 'createFailed': {
      const jobId = `j${++state.n}`;
      ids.push(jobId);
      return store.createFailed(
        {
          id: jobId,
          tool: TOOLS[o.tool]!,
          userId: `u${o.user}`,
          pool: 'default',
          input: {},
          userCreditCost: 60,
        },
        { errorCode: 'VALIDATION', errorMessage: 'VALIDATION: bad' },
        now,
      );
    }
    case 'start':
      return store.start(await among(o.pick, ['starting']), slot);
    case 'attach':
      return store.attachTask(await among(o.pick, ['running']), `task-${o.pick}-${o.task}`, now);
    case 'progress':
      return store.progress(await among(o.pick, ['running']), o.value, now);
    case 'requeue':
      return store.requeue(await among(o.pick, ['running']), {
        ...slot,
        retryAt: now + o.delay,
        errorCode: 'PROVIDER_BUSY',
        errorMessage: 'PROVIDER_BUSY: full',
      });
    case 'finish':
      return store.finish(
        await among(o.pick, ['running', 'queued', 'starting']),
        o.outcome === 0
          ? { status: 'completed', output: { url: 'x' } }
          : {
              status: o.outcome === 1 ? 'failed' : 'cancelled',
              errorCode: 'X',
              errorMessage: 'X: y',
            },
        {
          ...slot,
          ...(o.from === 0 ? {} : { from: o.from === 1 ? ['running'] : ['starting', 'queued'] }),
        },
      );
    case 'promote':
      return store.promote(slot);
    case 'heal':
      return store.heal({
        ...slot,
        staleStartMs: 15_000,
        lostStartMs: 60_000,
        maxQueueMs: o.maxQueue,
        leaseMs: o.lease,
      });
    case 'renew':
      return store.renewLeases([id(o.pick)], now + o.ms, now);
    case 'claimRefund':
      return store.claimRefund(await among(o.pick, ['failed', 'cancelled']), now, o.staleMs);
    case 'lateOutput':
      return store.recordLateOutput(
        await among(o.pick, ['failed']),
        { taskId: o.task === 0 ? null : `late-${o.pick}`, output: { url: `late-${o.pick}` } },
        now,
      );
    case 'credit':
      return store.setCreditState(id(o.pick), CREDITS[o.from]!, CREDITS[o.to]!, now);
    case 'advance':
      state.now += o.ms;
      return state.now;
    case 'read':
      switch (o.which) {
        case 0:
          return store.findActive(`u${o.arg}`);
        case 1:
          return store.list({ userId: `u${o.arg}` });
        case 2:
          return store.list({ status: [STATUSES[o.arg % STATUSES.length]!], limit: 3 });
        case 3:
          return store.queue();
        case 4:
          return store.queue(POOLS[o.arg % 2]);
        default:
          return store.counts(POOLS[o.arg % 2]!);
      }
  }
}

async function outcome(run: () => Promise<unknown>): Promise<unknown> {
  try {
    return { ok: await run() };
  } catch (error) {
    return { error: toJobGateError(error).code };
  }
}

const byId = (rows: Job[]) => [...rows].sort((a, b) => a.id.localeCompare(b.id));

function describeDifferential(
  name: string,
  factory: () => Promise<StoreHarness>,
  numRuns: number,
): void {
  describe(`PostgresStore answers exactly like MemoryStore: ${name}`, () => {
    let h: StoreHarness;
    beforeAll(async () => {
      h = await factory();
    });
    afterAll(async () => {
      await h?.close();
    });

    it(`agrees on ${numRuns} random call sequences`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...PRESETS),
          fc.array(op, { minLength: 5, maxLength: 40 }),
          async (limits, ops) => {
            await h.reset();
            const memory = new MemoryStore();
            const memIds: string[] = [];
            const sqlIds: string[] = [];
            const memState = { now: T0, n: 0 };
            const sqlState = { now: T0, n: 0 };
            for (const [i, o] of ops.entries()) {
              const expected = await outcome(() => apply(memory, o, memIds, memState, limits));
              const actual = await outcome(() => apply(h.store, o, sqlIds, sqlState, limits));
              expect(actual, `step ${i}: ${JSON.stringify(o)}`).toEqual(expected);
            }
            expect(byId(await h.rows())).toEqual(byId(memory.snapshot()));
          },
        ),
        { numRuns },
      );
    }, 300_000);
  });
}

describeDifferential('PGlite', pgliteHarness, Number(process.env.JOBGATE_DIFF_RUNS ?? 300));
describeWith('postgres', 'server', () => {
  describeDifferential(
    'PostgreSQL',
    () => serverHarness(),
    Number(process.env.JOBGATE_DIFF_RUNS ?? 300),
  );
});

describe('fixed scenarios found by the differential test', () => {
  it('promote() returns the promoted job as it is after the promotion', async () => {
    const h = await pgliteHarness();
    try {
      const limits = PRESETS[0]!;
      await h.store.create(
        { id: 'b1', tool: 'upscaler', userId: 'u', pool: 'default', input: {}, userCreditCost: 1 },
        { maxActivePerUser: 1, now: T0 },
      );
      await h.store.start('b1', { limits, now: T0 });
      await h.store.requeue('b1', {
        limits,
        now: T0,
        retryAt: T0 + 30_000,
        errorCode: 'PROVIDER_BUSY',
        errorMessage: 'PROVIDER_BUSY: full',
      });
      expect(await h.store.promote({ limits, now: T0 + 29_999 })).toEqual([]);
      const promoted = await h.store.promote({ limits, now: T0 + 30_000 });
      expect(promoted.map((j) => [j.id, j.status, j.position, j.retryAt])).toEqual([
        ['b1', 'running', null, null],
      ]);
      expect(promoted).toEqual(await h.rows());
    } finally {
      await h.close();
    }
  });

  it('lists gpu2 first when its first job is older, even if its queue started later', async () => {
    const h = await pgliteHarness();
    try {
      const memory = new MemoryStore();
      const limits: SlotLimits = {
        poolCaps: { default: 1, gpu2: 1 },
        defaultPoolCap: 1,
        toolCaps: {},
        maxRunningPerUser: null,
      };
      for (const store of [memory, h.store]) {
        const submit = async (id: string, pool: string) => {
          await store.create(
            { id, tool: 'upscaler', userId: `u-${id}`, pool, input: {}, userCreditCost: 1 },
            { maxActivePerUser: 1, now: T0 },
          );
          return store.start(id, { limits, now: T0 });
        };
        await submit('g1', 'gpu2'); // runs
        await submit('d1', 'default'); // runs
        await submit('d2', 'default'); // queued
        await submit('g2', 'gpu2'); // queued
      }
      const ids = (jobs: Job[]) => jobs.map((j) => j.id);
      expect(ids(await memory.queue())).toEqual(['g2', 'd2']);
      expect(ids(await h.store.queue())).toEqual(ids(await memory.queue()));
    } finally {
      await h.close();
    }
  });
});
