// Runs one random operation of differentialOps.ts on a store: the MemoryStore and the
// PostgresStore get the same calls, and the differential test compares the answers.
import { type Job, type JobStatus, type MemoryStore, toJobGateError } from '@jobgate/core';
import type { SlotLimits } from '@jobgate/core/adapter';
import type { StoreHarness } from '@jobgate/testkit';
import { CREDITS, type Op, POOLS, STATUSES, TOOLS } from './differentialOps.js';

export async function applyOp(
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

export async function outcome(run: () => Promise<unknown>): Promise<unknown> {
  try {
    return { ok: await run() };
  } catch (error) {
    return { error: toJobGateError(error).code };
  }
}

export const byId = (rows: Job[]) => [...rows].sort((a, b) => a.id.localeCompare(b.id));
